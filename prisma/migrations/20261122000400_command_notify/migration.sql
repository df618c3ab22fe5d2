-- Lab controllers long-poll for commands: the server LISTENs on erlen_commands and wakes the
-- polls of the labs named in the payload. A statement-level trigger sends one notification
-- per statement (the scheduler inserts a whole batch's commands in one), and PostgreSQL
-- delivers it only when the inserting transaction commits: a woken poll always finds the rows.
CREATE FUNCTION notify_lab_commands() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  labs text;
BEGIN
  SELECT string_agg(DISTINCT lab_controller_id::text, ',') INTO labs FROM inserted;
  IF labs IS NOT NULL THEN
    PERFORM pg_notify('erlen_commands', labs);
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER command_notify AFTER INSERT ON command
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION notify_lab_commands();
