import { Type } from 'typebox';

export const ErrorBody = Type.Object({
  code: Type.String(),
  message: Type.String(),
  details: Type.Optional(Type.Unknown()),
});

// Ids are PostgreSQL integers; a larger number is simply not found rather than a database error.
export const IdParam = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) });

export const iso = (date: Date | null | undefined): string | undefined => date?.toISOString();
