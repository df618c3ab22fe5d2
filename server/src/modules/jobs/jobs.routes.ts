import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErlenError } from '../../../../common/src/errors.js';
import { STATUSES, isStatus, type Status } from '../../../../common/src/domain/status.js';
import { formatTaskspec } from '../../../../common/src/domain/taskspec.js';
import { renderCloneXml, renderJunitXml, renderResultsXml } from '../../../../common/src/job-xml/index.js';
import type { Db } from '../../db/prisma.js';
import type { SchedulerEvents } from '../../events/scheduler-events.js';
import { requireActor } from '../../http/auth-plugin.js';
import { ErrorBody, IdParam } from '../../http/schemas.js';
import type { Actor } from '../../security/actor.js';
import { cloneInput, jobView } from './job-export.js';
import { stop } from './job-lifecycle.js';
import { changePriority, type PriorityChange, type PriorityTarget } from './job-modify.js';
import {
  canAdministerJob,
  canStopJob,
  findJobSummary,
  jobDetail,
  jobSummary,
  listJobs,
  loadDeepJob,
  recipeDetail,
  recipeInclude,
} from './job-queries.js';
import { submitJob } from './job-submission.js';

const Counters = Type.Object({
  ttasks: Type.Integer(),
  ntasks: Type.Integer(),
  ptasks: Type.Integer(),
  wtasks: Type.Integer(),
  ftasks: Type.Integer(),
  ktasks: Type.Integer(),
});
const JobSummary = Type.Object({
  id: Type.String(),
  owner: Type.String(),
  submitter: Type.String(),
  group: Type.Optional(Type.String()),
  whiteboard: Type.String(),
  retentionTag: Type.String(),
  product: Type.Optional(Type.String()),
  status: Type.String(),
  result: Type.String(),
  isFinished: Type.Boolean(),
  submittedAt: Type.String(),
  counters: Counters,
});
const Issue = Type.Object({
  line: Type.Optional(Type.Integer()),
  column: Type.Optional(Type.Integer()),
  message: Type.String(),
});
const RecipeSetPriority = Type.Object({
  id: Type.String(),
  job: Type.String(),
  priority: Type.String(),
  previousPriority: Type.String(),
  status: Type.String(),
  changed: Type.Boolean(),
});
const PriorityBody = Type.Object(
  {
    priority: Type.String({
      description: 'Low, Medium, Normal, High or Urgent (exact spelling)',
      examples: ['Low'],
    }),
  },
  { additionalProperties: false },
);
const priorityReplies = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const PRIORITY_RULES =
  "The job's owner, submitter, members of its group, admins and holders of change_prio may change it; " +
  'only admins and change_prio may raise it. Only while the recipe set is New, Processed or Queued (else 409).';
const xmlReply = { 200: Type.String({ description: 'XML document' }), 404: ErrorBody };

export interface JobRouteOptions {
  db: Db;
  events: SchedulerEvents;
  publicUrl: string;
}

export const jobRoutes: FastifyPluginAsyncTypebox<JobRouteOptions> = async (
  app,
  { db, events, publicUrl },
) => {
  app.post(
    '/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Submit Beaker job XML',
        description:
          'Body is the job XML (Content-Type application/xml or text/xml). With dryrun=true the job is validated and nothing is stored.',
        querystring: Type.Object({ dryrun: Type.Optional(Type.Boolean()) }),
        body: Type.String(),
        response: {
          200: Type.Object({ valid: Type.Boolean(), warnings: Type.Array(Issue) }),
          201: Type.Object({ id: Type.String(), warnings: Type.Array(Issue) }),
          400: ErrorBody,
          403: ErrorBody,
          413: ErrorBody,
          415: ErrorBody,
        },
      },
      // Fastify parses JSON itself; refuse it before body validation would call it "invalid".
      preValidation: async (request) => {
        if (!/^(application|text)\/xml\b/i.test(request.headers['content-type'] ?? '')) {
          throw new ErlenError(
            'UNSUPPORTED_MEDIA_TYPE',
            'job XML must be sent as application/xml or text/xml',
          );
        }
      },
    },
    async (request, reply) => {
      const actor = requireActor(request.actor);
      const dryrun = request.query.dryrun === true;
      const result = await submitJob(db, actor, request.body, { dryrun });
      if (dryrun || result.jobId === undefined)
        return reply.status(200).send({ valid: true, warnings: result.warnings });
      request.log.info(
        { jobId: result.jobId, owner: actor.username, recipes: result.recipeIds.length },
        'job submitted',
      );
      await events.recipesQueued(result.recipeIds);
      return reply.status(201).send({ id: formatTaskspec('J', result.jobId), warnings: result.warnings });
    },
  );

  app.get(
    '/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'List jobs, newest first',
        querystring: Type.Object({
          owner: Type.Optional(Type.String()),
          mine: Type.Optional(Type.Boolean()),
          status: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
          whiteboard: Type.Optional(Type.String()),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          offset: Type.Integer({ minimum: 0, default: 0 }),
        }),
        response: {
          200: Type.Object({ items: Type.Array(JobSummary), total: Type.Integer() }),
          400: ErrorBody,
        },
      },
    },
    async (request) => {
      const { status, ...rest } = request.query;
      return listJobs(db, requireActor(request.actor), { ...rest, status: parseStatuses(status) });
    },
  );

  app.get(
    '/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        summary: 'A job with its recipe sets, recipes, tasks and results',
        params: IdParam,
        response: { 200: Type.Unknown(), 404: ErrorBody },
      },
    },
    async (request) => jobDetail(await loadDeepJob(db, request.params.id), requireActor(request.actor)),
  );

  const stopBody = Type.Object({ message: Type.Optional(Type.String({ maxLength: 4000 })) });
  app.post(
    '/jobs/:id/cancel',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Cancel a job (owner, submitter, group members, admins)',
        params: IdParam,
        body: Type.Optional(stopBody),
        response: { 200: JobSummary, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const job = await findJobSummary(db, request.params.id);
      assertMayStop(requireActor(request.actor), job);
      await stop(db, { jobId: job.id }, 'cancel', request.body?.message ?? '', { events });
      return jobSummary(await findJobSummary(db, job.id));
    },
  );

  app.post(
    '/recipesets/:id/cancel',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Cancel one recipe set of a job',
        params: IdParam,
        body: Type.Optional(stopBody),
        response: { 200: JobSummary, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const set = await findRecipeSet(request.params.id);
      const job = await findJobSummary(db, set.jobId);
      assertMayStop(requireActor(request.actor), job);
      await stop(db, { recipeSetId: set.id }, 'cancel', request.body?.message ?? '', { events });
      return jobSummary(await findJobSummary(db, job.id));
    },
  );

  app.patch(
    '/recipesets/:id',
    {
      schema: {
        tags: ['jobs'],
        summary: "Change a recipe set's priority",
        description: PRIORITY_RULES,
        params: IdParam,
        body: PriorityBody,
        response: { 200: RecipeSetPriority, ...priorityReplies },
      },
    },
    async (request) => {
      const change = await modifyPriority(request, { recipeSetId: request.params.id }, request.body.priority);
      return change.recipeSets[0]!;
    },
  );

  app.patch(
    '/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Change the priority of every recipe set of a job that can still change',
        description: `${PRIORITY_RULES} Recipe sets past Queued are left as they are (changed: false); 409 only when none can change. All or nothing.`,
        params: IdParam,
        body: PriorityBody,
        response: {
          200: Type.Object({ id: Type.String(), recipeSets: Type.Array(RecipeSetPriority) }),
          ...priorityReplies,
        },
      },
    },
    async (request) => {
      const change = await modifyPriority(request, { jobId: request.params.id }, request.body.priority);
      return { id: formatTaskspec('J', request.params.id), recipeSets: change.recipeSets };
    },
  );

  app.get(
    '/jobs/:id/clone',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Job XML to resubmit this job',
        params: IdParam,
        response: xmlReply,
      },
    },
    async (request, reply) =>
      reply.type('application/xml').send(await cloneXml(request.params.id, requireActor(request.actor))),
  );

  app.get(
    '/recipesets/:id/clone',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Job XML with only this recipe set',
        params: IdParam,
        response: xmlReply,
      },
    },
    async (request, reply) => {
      const set = await findRecipeSet(request.params.id);
      const xml = await cloneXml(set.jobId, requireActor(request.actor), set.id);
      return reply.type('application/xml').send(xml);
    },
  );

  app.get(
    '/jobs/:id(^\\d+).xml',
    {
      schema: {
        tags: ['jobs'],
        summary: "Beaker results XML (bkr job-results' default format)",
        params: IdParam,
        querystring: Type.Object({ logs: Type.Boolean({ default: true }) }),
        response: xmlReply,
      },
    },
    async (request, reply) => {
      const job = await loadDeepJob(db, request.params.id);
      const view = jobView(job, publicUrl, {
        showSecrets: canAdministerJob(requireActor(request.actor), job),
      });
      return reply.type('application/xml').send(renderResultsXml(view, { includeLogs: request.query.logs }));
    },
  );

  app.get(
    '/jobs/:id(^\\d+).junit.xml',
    { schema: { tags: ['jobs'], summary: 'JUnit XML of a job', params: IdParam, response: xmlReply } },
    async (request, reply) => {
      const job = await loadDeepJob(db, request.params.id);
      const view = jobView(job, publicUrl, { showSecrets: false });
      return reply.type('application/xml').send(renderJunitXml(view));
    },
  );

  app.get(
    '/recipes/:id',
    {
      schema: {
        tags: ['jobs'],
        summary: 'One recipe with its tasks and results',
        params: IdParam,
        response: { 200: Type.Unknown(), 404: ErrorBody },
      },
    },
    async (request) => {
      const recipe = await db.recipe.findFirst({
        where: { id: request.params.id, recipeSet: { job: { deletedAt: null } } },
        select: { recipeSetId: true },
      });
      if (!recipe) throw new ErlenError('NOT_FOUND', `no recipe ${formatTaskspec('R', request.params.id)}`);
      // Only the recipe's own set is loaded: the set is what its guests and peers live in.
      const peers = await db.recipe.findMany({
        where: { recipeSetId: recipe.recipeSetId },
        include: recipeInclude,
      });
      return recipeDetail(
        peers.find((r) => r.id === request.params.id)!,
        peers,
      );
    },
  );

  /** Changes priorities, then wakes the scheduler so it re-reads and re-orders those recipes. */
  async function modifyPriority(
    request: FastifyRequest,
    target: PriorityTarget,
    priority: string,
  ): Promise<PriorityChange> {
    const actor = requireActor(request.actor);
    const change = await changePriority(db, actor, target, priority);
    if (change.changedRecipeIds.length > 0) {
      request.log.info(
        {
          recipeSets: change.recipeSets.filter((s) => s.changed).map((s) => s.id),
          priority,
          by: actor.username,
        },
        'recipe set priority changed',
      );
      await events.recipesQueued(change.changedRecipeIds);
    }
    return change;
  }

  async function findRecipeSet(id: number) {
    const set = await db.recipeSet.findUnique({ where: { id } });
    if (!set) throw new ErlenError('NOT_FOUND', `no recipe set ${formatTaskspec('RS', id)}`);
    return set;
  }

  /** Clone XML of a job (or one of its recipe sets); the notify list only for the job's administrators. */
  async function cloneXml(jobId: number, actor: Actor, recipeSetId?: number): Promise<string> {
    const job = await loadDeepJob(db, jobId);
    const input = cloneInput(job, recipeSetId);
    if (!canAdministerJob(actor, job)) input.notifyCc = [];
    return renderCloneXml(input);
  }
};

function assertMayStop(
  actor: Actor,
  job: { id: number; ownerId: number; submitterId: number; groupId: number | null },
) {
  if (!canStopJob(actor, job)) {
    throw new ErlenError(
      'FORBIDDEN',
      `only the owner, submitter, group members or admins may change ${formatTaskspec('J', job.id)}`,
    );
  }
}

function parseStatuses(value: string | string[] | undefined): Status[] | undefined {
  if (value === undefined) return undefined;
  const list = (Array.isArray(value) ? value : [value])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  for (const status of list) {
    if (!isStatus(status))
      throw new ErlenError('BAD_REQUEST', `unknown status "${status}"; one of ${STATUSES.join(', ')}`);
  }
  return list as Status[];
}
