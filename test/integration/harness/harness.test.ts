// The harness end to end: the BUILT bundle (dist/harness/erlen-harness.mjs, as a test system
// runs it) against a real lab controller harness API on a port, relaying to the real server on
// a port, backed by PostgreSQL. Tasks are real shell scripts in a temporary task root; one is
// fetched from a tarball; one reboots (the "reboot" kills the harness's process group, as a
// power cycle would) and the harness is started again to resume.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { buildHarnessApi } from '../../../lab-controller/src/harness-api/harness-api.js';
import { LogStore } from '../../../lab-controller/src/harness-api/log-store.js';
import { ServerClient } from '../../../lab-controller/src/server-client.js';
import { listen } from '../../support/cli.js';
import { addSystem, LAB_A, seedLabs, submit, testScheduler, TREE } from '../../support/scheduler-lab.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const BUNDLE = fileURLToPath(new URL('../../../dist/harness/erlen-harness.mjs', import.meta.url));
const FQDN = 'h1.example.com';
let server: TestServer;
let lc: FastifyInstance;
let lcUrl: string;
let dir: string;
/** Harness process groups started, killed after the tests (a failed test leaves them running). */
const harnessGroups = new Set<number>();

interface HarnessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/**
 * Runs the bundle as its own process group (like a system's init would), through `sh` so the
 * reboot command can name that group: `$$` is the pid the bundle gets by `exec`.
 */
function startHarness(recipeId: number, stateDir = join(dir, 'state')): { exited: Promise<HarnessExit> } {
  const flags = [
    `--cmdline 'BOOT_IMAGE=vmlinuz quiet erlen.recipe=${recipeId} erlen.lc=${lcUrl}'`,
    `--task-root '${join(dir, 'tasks')}'`,
    `--state-dir '${stateDir}'`,
    `--config '${join(dir, 'harness.json')}'`,
    // dash's kill takes no "--"; a negative pid after -9 names the group.
    `--reboot-command "kill -9 -$$"`,
  ].join(' ');
  const child = spawn('sh', ['-c', `exec '${process.execPath}' '${BUNDLE}' ${flags}`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: dir, ERLEN_TEST_OUT: join(dir, 'out') },
  });
  if (child.pid !== undefined) harnessGroups.add(child.pid);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
  const exited = new Promise<HarnessExit>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, output })),
  );
  return { exited };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50); // polling a condition, bounded by the deadline
  }
}

/** Runs the bundle to its end: its exit status and what it said on stderr. */
function runBundle(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [BUNDLE, ...args], (error, _stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr }),
    ),
  );
}

/** Alive and not a zombie waiting for its new parent (this machine's init) to reap it. */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

async function writeTask(name: string, script: string, root = join(dir, 'tasks')): Promise<void> {
  const taskDir = join(root, name);
  await mkdir(taskDir, { recursive: true });
  await writeFile(join(taskDir, 'runtest.sh'), `#!/bin/sh\n${script}`);
  await chmod(join(taskDir, 'runtest.sh'), 0o755);
}

const taskLog = async (recipeId: number, taskId: number, name = 'taskout.log') => {
  const response = await lc.inject({
    method: 'GET',
    url: `/recipes/${recipeId}/tasks/${taskId}/logs/${name}`,
  });
  return response.statusCode === 200 ? response.body : undefined;
};

beforeAll(async () => {
  server = await startTestServer();
  const serverUrl = await listen(server);
  dir = await mkdtemp(join(tmpdir(), 'erlen-harness-it-'));
  await mkdir(join(dir, 'out'));
  const labToken = (await seedLabs(server)).get(LAB_A)!;
  lc = await buildHarnessApi({
    server: new ServerClient(serverUrl, labToken),
    logs: new LogStore(join(dir, 'lc-logs'), 64 * 1024),
    tftpRoot: join(dir, 'tftp'),
    // What harnesses are told in Location headers; they connect to where it listens.
    publicUrl: `http://${LAB_A}:8000`,
    logger: pino({ level: 'silent' }),
  });
  await lc.listen({ host: '127.0.0.1', port: 0 });
  lcUrl = `http://127.0.0.1:${(lc.server.address() as { port: number }).port}/`;
});

afterAll(async () => {
  for (const group of harnessGroups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // it has exited
    }
  }
  await lc?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('erlen-harness bundle against a lab controller', () => {
  it('runs a recipe: results, logs, a reboot with resume, a timeout; the recipe completes', async () => {
    const out = join(dir, 'out');
    // A fetched task: a tarball with the task in a subdirectory.
    const archiveRoot = join(dir, 'archive');
    await writeTask(
      'hello',
      [
        'env > "$ERLEN_TEST_OUT/hello.env"',
        'echo "hello $GREETING"',
        'echo "to stderr" >&2',
        'rstrnt-report-result "$TEST" PASS 42',
        '',
      ].join('\n'),
      archiveRoot,
    );
    execFileSync('tar', ['-czf', join(dir, 'hello.tar.gz'), '-C', archiveRoot, 'hello']);
    await writeTask(
      'examples/failing',
      [
        'echo "avc: denied" > "$ERLEN_TEST_OUT/avc.log"',
        'head -c 150000 /dev/zero | tr "\\0" "x" > "$ERLEN_TEST_OUT/big.log"',
        'rhts-report-result "$TEST/check" FAIL "$ERLEN_TEST_OUT/avc.log" 3',
        'rstrnt-report-log -l "$ERLEN_TEST_OUT/big.log"',
        'exit 1',
        '',
      ].join('\n'),
    );
    await writeTask(
      'examples/reboot',
      [
        'if [ "$REBOOTCOUNT" -eq 0 ]; then',
        '  echo "before reboot"',
        '  rstrnt-reboot',
        '  echo "not reached"',
        '  exit 1',
        'fi',
        'echo "after reboot $REBOOTCOUNT $RSTRNT_REBOOTCOUNT"',
        'rstrnt-report-result "$TEST/after-reboot" PASS',
        '',
      ].join('\n'),
    );
    await writeTask(
      'examples/streaming',
      [
        'echo "waiting for release"',
        // Waits for the test, or ends when a failed test removed the directory.
        'while [ ! -e "$ERLEN_TEST_OUT/release" ] && [ -d "$ERLEN_TEST_OUT" ]; do sleep 0.1; done',
        'echo released',
        'exit 3',
        '',
      ].join('\n'),
    );
    await writeTask(
      'examples/slow',
      ['echo "working slowly"', 'sleep 600 &', 'echo $! > "$ERLEN_TEST_OUT/slow-child.pid"', 'wait', ''].join(
        '\n',
      ),
    );
    await writeFile(
      join(dir, 'harness.json'),
      JSON.stringify({ recipeId: 999999, taskRoot: '/nonexistent' }),
    );

    await addSystem(server, FQDN);
    const user = await server.user('tester');
    const hello = pathToFileURL(join(dir, 'hello.tar.gz')).href;
    const jobId = await submit(
      server,
      user,
      `<job><whiteboard>harness test</whiteboard><recipeSet><recipe role="SERVERS" whiteboard="r1">
        <distroRequires><distro_name op="=" value="${TREE}"/></distroRequires>
        <hostRequires><hostname op="=" value="${FQDN}"/></hostRequires>
        <task name="/examples/hello"><fetch url="${hello}#hello"/>
          <params><param name="GREETING" value="hi there"/></params></task>
        <task name="/examples/failing"/>
        <task name="/examples/reboot"/>
        <task name="/examples/streaming"/>
        <task name="/examples/slow"><params><param name="KILLTIMEOVERRIDE" value="2"/></params></task>
      </recipe></recipeSet></job>`,
    );
    const scheduler = testScheduler(server);
    await scheduler.start();
    await scheduler.stop();
    const recipe = await server.db.recipe.findFirstOrThrow({
      where: { recipeSet: { jobId } },
      include: { tasks: { orderBy: { position: 'asc' } } },
    });
    const [helloId, failingId, rebootId, streamingId, slowId] = recipe.tasks.map((t) => t.id) as [
      number,
      number,
      number,
      number,
      number,
    ];

    // First boot: runs hello and failing, then the reboot task takes the system down.
    const first = await startHarness(recipe.id).exited;
    expect(first.signal).toBe('SIGKILL');
    expect(first.output).toContain(`task ${rebootId} /examples/reboot: running`);
    const midway = await server.db.recipeTask.findMany({
      where: { recipeId: recipe.id },
      orderBy: { position: 'asc' },
    });
    expect(midway.map((t) => t.status)).toEqual(['Completed', 'Completed', 'Running', 'Waiting', 'Waiting']);

    // Second boot: resumes the reboot task with REBOOTCOUNT=1 and goes on.
    const second = startHarness(recipe.id);
    // The streaming task's output reaches the lab controller while it runs.
    await waitFor('streamed output', async () =>
      (await taskLog(recipe.id, streamingId))?.includes('waiting for release') ? true : undefined,
    );
    expect((await server.db.recipeTask.findUniqueOrThrow({ where: { id: streamingId } })).status).toBe(
      'Running',
    );
    await writeFile(join(out, 'release'), '');
    const done = await second.exited;
    expect(done.code).toBe(0);

    const tasks = await server.db.recipeTask.findMany({
      where: { recipeId: recipe.id },
      orderBy: { position: 'asc' },
      include: { results: { orderBy: { id: 'asc' } } },
    });
    expect(tasks.map((t) => [t.status, t.result])).toEqual([
      ['Completed', 'Pass'],
      ['Completed', 'Fail'],
      ['Completed', 'Pass'],
      ['Completed', 'Fail'],
      ['Completed', 'Warn'],
    ]);
    const results = tasks.map((t) => t.results.map((r) => [r.result, r.path, r.message]));
    expect(results[0]).toEqual([['Pass', '/examples/hello', '']]);
    expect(Number(tasks[0]!.results[0]!.score)).toBe(42);
    // A task that reported its results gets none from the harness, even when it exits 1.
    expect(results[1]).toEqual([['Fail', '/examples/failing/check', '']]);
    expect(results[2]).toEqual([['Pass', '/examples/reboot/after-reboot', '']]);
    expect(results[3]).toEqual([
      ['Fail', '/examples/streaming', '/examples/streaming exited with status 3 without reporting a result'],
    ]);
    expect(results[4]).toEqual([
      ['Warn', '/examples/slow', '/examples/slow timed out after 2 s: killed by the local watchdog'],
    ]);

    const finished = await server.db.recipe.findUniqueOrThrow({
      where: { id: recipe.id },
      include: { recipeSet: { include: { job: true } } },
    });
    expect([finished.status, finished.result]).toEqual(['Completed', 'Fail']);
    expect([finished.recipeSet.job.status, finished.recipeSet.job.result]).toEqual(['Completed', 'Fail']);

    // Logs, byte for byte through the lab controller.
    expect(await taskLog(recipe.id, helloId)).toBe('hello hi there\nto stderr\n');
    // The reboot helper says what it does in the task's log, as restraint's does. Here the
    // "reboot" kills the harness's group, not the task's, so the helper stops the task itself.
    expect(await taskLog(recipe.id, rebootId)).toMatch(
      new RegExp(
        `^before reboot\nerlen-harness: task ${rebootId} asks for a reboot: kill -9 -\\d+\n` +
          'erlen-harness: the reboot command returned: stopping the task until the system goes down\n' +
          'after reboot 1 1\n$',
      ),
    );
    expect(await taskLog(recipe.id, streamingId)).toBe('waiting for release\nreleased\n');
    expect(await taskLog(recipe.id, slowId)).toBe('working slowly\n');
    expect(await taskLog(recipe.id, failingId, 'big.log')).toBe('x'.repeat(150_000));
    const failResult = tasks[1]!.results[0]!.id;
    const avc = await lc.inject({
      method: 'GET',
      url: `/recipes/${recipe.id}/tasks/${failingId}/results/${failResult}/logs/avc.log`,
    });
    expect(avc.body).toBe('avc: denied\n');
    const indexed = await server.db.logFile.findMany({ where: { recipeId: recipe.id } });
    expect(indexed.filter((l) => l.filename === 'taskout.log')).toHaveLength(5);

    // What the fetched task saw.
    const env = Object.fromEntries(
      (await readFile(join(out, 'hello.env'), 'utf8'))
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({
      JOBID: String(jobId),
      RECIPEID: String(recipe.id),
      RECIPESETID: String(recipe.recipeSetId),
      TASKID: String(helloId),
      RECIPETESTID: String(helloId),
      TASKNAME: '/examples/hello',
      RSTRNT_TASKNAME: '/examples/hello',
      ROLE: 'None', // Beaker's default task role, as the recipe XML says
      RECIPE_ROLE: 'SERVERS',
      SERVERS: FQDN,
      GREETING: 'hi there',
      REBOOTCOUNT: '0',
      RSTRNT_REBOOTCOUNT: '0',
      RSTRNT_OWNER: 'tester@example.com',
      BEAKER_LAB_CONTROLLER_URL: lcUrl,
    });
    expect(env.PATH?.startsWith(`${join(dir, 'state', 'bin')}:`)).toBe(true);
    expect(env.TESTPATH).toBe(join(dir, 'state', 'tasks', String(helloId), 'tree', 'hello'));

    // The local watchdog killed the slow task's whole process group.
    const childPid = Number(await readFile(join(out, 'slow-child.pid'), 'utf8'));
    expect(await isRunning(childPid)).toBe(false);

    // Started once more after the end, the harness finds nothing to do.
    const again = await startHarness(recipe.id).exited;
    expect(again.code).toBe(0);
  }, 90_000);

  it('gives up on a task that keeps rebooting the system', async () => {
    await writeTask('examples/reboot-loop', 'rstrnt-reboot\n');
    await addSystem(server, 'h2.example.com');
    const jobId = await submit(
      server,
      await server.user('looper'),
      `<job><recipeSet><recipe>
        <distroRequires><distro_name op="=" value="${TREE}"/></distroRequires>
        <hostRequires><hostname op="=" value="h2.example.com"/></hostRequires>
        <task name="/examples/reboot-loop"/>
      </recipe></recipeSet></job>`,
    );
    const scheduler = testScheduler(server);
    await scheduler.start();
    await scheduler.stop();
    const recipe = await server.db.recipe.findFirstOrThrow({
      where: { recipeSet: { jobId } },
      include: { tasks: true },
    });
    const taskId = recipe.tasks[0]!.id;
    // The task was running when the system restarted for the 33rd time.
    const stateDir = join(dir, 'state-loop');
    await mkdir(stateDir);
    await writeFile(
      join(stateDir, 'state.json'),
      JSON.stringify({
        recipeId: recipe.id,
        current: { taskId, rebootCount: 32, rebooting: false },
        finished: [],
      }),
    );

    expect((await startHarness(recipe.id, stateDir).exited).code).toBe(0);

    const task = await server.db.recipeTask.findUniqueOrThrow({
      where: { id: taskId },
      include: { results: true },
    });
    expect(task.status).toBe('Aborted');
    expect(task.results.map((r) => [r.result, r.message])).toEqual([
      ['Warn', `task ${taskId} /examples/reboot-loop rebooted the system 33 times: given up on`],
    ]);
  });

  it('refuses to start without a usable configuration, naming what is missing', async () => {
    const cmdline = ['--cmdline', 'quiet erlen.lc=ftp://x/'];
    const missing = await runBundle([...cmdline, '--config', join(dir, 'none.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read config file');
    const bad = await runBundle([...cmdline, '--config', join(dir, 'harness.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('lab controller URL "ftp://x/" is not an http(s) URL');
  });
});
