import { Type } from 'typebox';

export const ErrorBody = Type.Object({
  code: Type.String(),
  message: Type.String(),
  details: Type.Optional(Type.Unknown()),
});

export const IdParam = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const iso = (date: Date | null | undefined): string | undefined => date?.toISOString();
