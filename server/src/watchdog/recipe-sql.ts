/** SQL fragments the watchdog queries share. Aliases: r = recipe, rs = its set, lc = the set's lab. */
import { STATUSES, isFinished } from '../../../common/src/domain/status.js';
import { Prisma } from '../generated/prisma/client.js';

const FINISHED = STATUSES.filter(isFinished);

/** `<alias>` is a recipe that has not finished (finished recipes keep their watchdog row until the set releases). */
export const unfinishedRecipe = (alias: string): Prisma.Sql =>
  Prisma.sql`${Prisma.raw(alias)}.status::text NOT IN (${Prisma.join(FINISHED)})`;

/** A recipe with its set and the set's lab (one lab per set; none before the set is placed). */
export const recipeSetLab = Prisma.sql`recipe r
  JOIN recipe_set rs ON rs.id = r.recipe_set_id
  LEFT JOIN lab_controller lc ON lc.id = rs.lab_controller_id`;
