import type { HostFilter } from '../host-filter/types.js';
import type { Priority, Result, Status } from '../domain/status.js';

/** A problem found in submitted job XML; `line` is 1-based and present whenever it is known. */
export interface XmlIssue {
  line?: number;
  column?: number;
  message: string;
}

/**
 * A parsed, validated Beaker job. Everything the server needs to store the job, plus the
 * verbatim pieces that let clone and results export reproduce what the user submitted.
 */
export interface JobSpec {
  /** `<job user=…>`: submit on behalf of this user (submission delegates). */
  user?: string;
  group?: string;
  retentionTag?: string;
  product?: string;
  whiteboard: string;
  notifyCc: string[];
  /** Namespaced children of `<job>`, serialised verbatim (with their xmlns declarations). */
  extraXml: string[];
  recipeSets: RecipeSetSpec[];
}

export interface RecipeSetSpec {
  line?: number;
  /** As written; absent means Normal. Whether the submitter may use it is the server's call. */
  priority?: Priority;
  recipes: RecipeSpec[];
}

export type WatchdogPanic = 'ignore' | 'None';
export type ReservesysWhen = 'always' | 'onabort' | 'onfail' | 'onwarn';

export interface RecipeSpec {
  kind: 'machine' | 'guest';
  line?: number;
  /** The `<recipe>`/`<guestrecipe>` element as submitted (guests included for a host), for clone and export. */
  xml: string;
  whiteboard: string;
  /** Beaker's default role is the literal string "None". */
  role: string;
  ksMeta: string;
  kernelOptions: string;
  kernelOptionsPost: string;
  guestName?: string;
  guestArgs?: string;
  autopickRandom: boolean;
  watchdogPanic?: WatchdogPanic;
  /** Exactly one of distroRequires / distro is present. */
  distroRequires?: DistroFilter;
  distro?: ExplicitDistro;
  /** `<hostRequires>` element verbatim ("" when absent); the filter engine parses it. */
  hostRequiresXml: string;
  /** `<hostRequires force="fqdn">`. */
  hostRequiresForce?: string;
  /** `<hostRequires>` parsed into the filter engine's form (no element: matches everything). */
  hostFilter: HostFilter;
  reservesys?: { duration: number; when: ReservesysWhen };
  packages: string[];
  repos: { name: string; url: string }[];
  ksAppends: string[];
  kickstart?: string;
  partitions: { fs?: string; name: string; type: 'part' | 'lvm'; sizeGb: number }[];
  tasks: TaskSpec[];
  /** Guest recipes of a machine recipe; always empty for a guest. */
  guests: RecipeSpec[];
}

export interface TaskSpec {
  line?: number;
  /** Required unless `fetch` is given; then it defaults to url + subdir as Beaker does. */
  name: string;
  role: string;
  fetch?: { url: string; subdir?: string };
  params: { name: string; value: string }[];
}

/** `<distro>`: a user-supplied tree outside the distro library. */
export interface ExplicitDistro {
  treeUrl: string;
  kernelUrl: string;
  initrdUrl: string;
  imageUrl?: string;
  arch: string;
  osMajor: string;
  osMinor?: string;
  name?: string;
  variant?: string;
}

/** `<distroRequires>` as a tree; leaves compare one distro-tree field. */
export type DistroFilter =
  | { kind: 'and' | 'or'; children: DistroFilter[] }
  | { kind: 'not'; children: DistroFilter[] }
  | { kind: 'leaf'; field: DistroField; op: FilterOp; value: string; line?: number };

export type DistroField =
  'family' | 'name' | 'tag' | 'variant' | 'arch' | 'method' | 'labcontroller' | 'virt';
export type FilterOp = '=' | '==' | '!=' | 'like' | '<' | '<=' | '>' | '>=';

/** What a distro filter is evaluated against. */
export interface DistroTreeFacts {
  name: string;
  family: string;
  variant: string;
  arch: string;
  tags: readonly string[];
  methods: readonly string[];
  labControllers: readonly string[];
}

// ---------------------------------------------------------------------------------------
// Results export: what the server knows about a stored job, handed to the XML renderers.

export interface LogLink {
  name: string;
  href: string;
}

export interface RoleView {
  role: string;
  systems: string[];
}

export interface ResultRowView {
  id: number;
  path: string;
  result: Result;
  score?: string;
  startTime?: Date;
  message: string;
  logs: LogLink[];
}

export interface TaskView {
  id: number;
  name: string;
  role: string;
  status: Status;
  result: Result;
  version?: string;
  avgTime?: number;
  startTime?: Date;
  finishTime?: Date;
  rpm?: { name: string; path: string };
  roles: RoleView[];
  logs: LogLink[];
  results: ResultRowView[];
}

export interface RecipeView {
  id: number;
  jobId: number;
  recipeSetId: number;
  kind: 'machine' | 'guest';
  /** The stored submitted XML of this recipe (RecipeSpec.xml). */
  xml: string;
  whiteboard: string;
  status: Status;
  result: Result;
  startTime?: Date;
  finishTime?: Date;
  kickstartUrl?: string;
  distro?: { name: string; arch: string; family: string; variant: string };
  system?: string;
  installation?: { installStarted?: Date; installFinished?: Date; postinstallFinished?: Date };
  roles: RoleView[];
  logs: LogLink[];
  /** Guests only: allocated MAC and the tree URLs in the host's lab by scheme. */
  guest?: { macAddress?: string; location?: string; schemeLocations: Record<string, string> };
  /** Same order as the `<task>` elements of `xml`. */
  tasks: TaskView[];
  /** Same order as the `<guestrecipe>` elements of `xml`. */
  guests: RecipeView[];
}

export interface RecipeSetView {
  id: number;
  priority: Priority;
  waived: boolean;
  status: Status;
  result: Result;
  recipes: RecipeView[];
}

export interface JobView {
  id: number;
  /** The owner's e-mail address, as Beaker writes it. */
  ownerEmail: string;
  status: Status;
  result: Result;
  retentionTag?: string;
  group?: string;
  product?: string;
  whiteboard: string;
  notifyCc: string[];
  extraXml: string[];
  recipeSets: RecipeSetView[];
}
