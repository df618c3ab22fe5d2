/**
 * Shapes of the HTTP API as docs/api.md describes them. Hand-written until a client is
 * generated from the server's OpenAPI document; only the fields the CLI reads are required.
 */
import type { Priority, Result, Status, TaskCounters } from '../../common/src/domain/status.js';

/** Error body of every non-2xx response. */
export interface ApiErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface WhoAmI {
  username: string;
  displayName: string;
  email: string;
  kind: 'user' | 'labcontroller';
  admin: boolean;
}

/** A warning attached to an accepted job; the contract does not pin its shape down. */
export type SubmitWarning = string | { line?: number; column?: number; message: string };

export interface SubmitResult {
  id: string;
  warnings: SubmitWarning[];
}

export interface DryRunResult {
  valid: boolean;
  warnings: SubmitWarning[];
}

export interface JobSummary {
  id: string;
  owner: string;
  submitter: string;
  group?: string;
  whiteboard: string;
  retentionTag: string;
  product?: string;
  status: Status;
  result: Result;
  isFinished: boolean;
  submittedAt: string;
  counters: TaskCounters;
}

export interface TaskDetail {
  id: string;
  name: string;
  role: string;
  status: Status;
  result: Result;
  startTime?: string;
  finishTime?: string;
  params: { name: string; value: string }[];
  results: { id: string; path: string; result: Result; score?: string; message: string; startTime: string }[];
}

export interface RecipeDetail {
  id: string;
  kind: 'machine' | 'guest';
  whiteboard: string;
  role: string;
  status: Status;
  result: Result;
  distroTree?: { id: number; distro: string; arch: string; variant: string; family: string };
  system?: string;
  startTime?: string;
  finishTime?: string;
  guests: RecipeDetail[];
  tasks: TaskDetail[];
}

export interface JobDetail extends JobSummary {
  notifyCc?: string[];
  recipeSets: {
    id: string;
    priority: string;
    status: Status;
    result: Result;
    waived: boolean;
    recipes: RecipeDetail[];
  }[];
}

/** Reply of `PATCH /recipesets/:id`, and one item of `PATCH /jobs/:id`'s reply. */
export interface RecipeSetPriority {
  id: string;
  job: string;
  priority: Priority;
  previousPriority: Priority;
  status: Status;
  /** False when the set already had the priority, or (job-wide) is past Queued. */
  changed: boolean;
}

export interface JobPriorityChange {
  id: string;
  recipeSets: RecipeSetPriority[];
}

/** Reply of `GET /recipes/:id/explain`. */
export interface RecipeExplanation {
  recipe: string;
  status: Status;
  system: string | null;
  systems: number;
  matching: number;
  available: number;
  waiting: { reason: string; description: string; count: number; examples: string[] }[];
  rejectedBy: { predicate: string; count: number }[];
  summary: string;
}

export interface LabControllerCreated {
  fqdn: string;
  username: string;
  token: string;
}

export interface LabControllerSummary {
  fqdn: string;
  disabled: boolean;
  lastSeenAt?: string | null;
}

export {
  SYSTEM_STATUSES,
  SYSTEM_TYPES,
  type DistroTreeInput,
  type PowerInput,
  type SystemInput,
  type SystemSummary,
} from '../../common/src/api/inventory.js';

export interface DistroTreeImported {
  id: number;
  distro: string;
  arch: string;
  variant: string;
}
