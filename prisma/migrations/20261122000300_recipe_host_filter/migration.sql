-- AlterTable
ALTER TABLE "recipe" ADD COLUMN "host_filter" JSONB;
