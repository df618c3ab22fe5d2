import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Db } from '../../db/prisma.js';
import type { SchedulerEvents } from '../../events/scheduler-events.js';

/** The server's half of the harness API: what lab controllers relay from harnesses. */
export const harnessRoutes: FastifyPluginAsyncTypebox<{ db: Db; events: SchedulerEvents }> = async () => {};
