-- The watchdog sweeper records when it last swept. A gap much longer than its period means
-- nothing ran (server or scheduler outage): kill times are pushed out by the gap before any
-- expires. One row only; several sweepers update it conditionally.
CREATE TABLE "watchdog_sweep" (
    "id" INTEGER NOT NULL,
    "swept_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "watchdog_sweep_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "watchdog_sweep_single_row" CHECK ("id" = 1)
);
