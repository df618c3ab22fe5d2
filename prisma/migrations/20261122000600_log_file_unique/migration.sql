-- One index row per log file, so a lab controller registers a file with one INSERT … ON
-- CONFLICT DO NOTHING instead of a transaction holding the recipe's row lock (which serialised
-- a recipe's uploads). A file belongs to a result, else a task, else the recipe; partial
-- indexes, because the owner columns that do not apply are NULL.
DELETE FROM "log_file" a USING "log_file" b
WHERE a."id" > b."id" AND a."recipe_id" = b."recipe_id"
  AND a."recipe_task_id" IS NOT DISTINCT FROM b."recipe_task_id"
  AND a."result_id" IS NOT DISTINCT FROM b."result_id"
  AND a."path" = b."path" AND a."filename" = b."filename";

CREATE UNIQUE INDEX "log_file_recipe_name_key" ON "log_file" ("recipe_id", "path", "filename")
  WHERE "recipe_task_id" IS NULL;
CREATE UNIQUE INDEX "log_file_task_name_key" ON "log_file" ("recipe_task_id", "path", "filename")
  WHERE "recipe_task_id" IS NOT NULL AND "result_id" IS NULL;
CREATE UNIQUE INDEX "log_file_result_name_key" ON "log_file" ("result_id", "path", "filename")
  WHERE "result_id" IS NOT NULL;
