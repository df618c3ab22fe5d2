import { describe, expect, it } from '@jest/globals';
import {
  STATUSES,
  canTransition,
  countTasks,
  isFinished,
  rollUpResult,
  rollUpStatus,
  type Status,
} from '../../../common/src/domain/status.js';

describe('status roll-up (minimum severity)', () => {
  it.each<[Status[], Status]>([
    [['Completed', 'Completed'], 'Completed'],
    [['Completed', 'Aborted'], 'Aborted'],
    [['Cancelled', 'Completed'], 'Cancelled'],
    [['Aborted', 'Cancelled'], 'Aborted'],
    [['Reserved', 'Completed'], 'Reserved'],
    [['Completed', 'Waiting'], 'Waiting'],
    [['Queued', 'Running'], 'Running'],
    [['Queued', 'Cancelled'], 'Queued'],
    [['Scheduled', 'Queued'], 'Queued'],
    [['Installing', 'Waiting'], 'Installing'],
    [[], 'New'],
  ])('%j → %s', (children, expected) => {
    expect(rollUpStatus(children)).toBe(expected);
  });
});

describe('result roll-up (maximum severity)', () => {
  it.each([
    [['Pass', 'Fail'], 'Fail'],
    [['Warn', 'Pass'], 'Warn'],
    [['Panic', 'Fail'], 'Panic'],
    [['None', 'Skip'], 'Skip'],
    [['New', 'None'], 'None'],
    [[], 'New'],
  ] as const)('%j → %s', (children, expected) => {
    expect(rollUpResult(children)).toBe(expected);
  });
});

describe('transitions', () => {
  it('never leaves a finished state', () => {
    for (const from of STATUSES.filter(isFinished)) {
      for (const to of STATUSES) expect(canTransition(from, to)).toBe(false);
    }
  });

  it('never goes back into a queued state', () => {
    expect(canTransition('Running', 'Queued')).toBe(false);
    expect(canTransition('Waiting', 'Scheduled')).toBe(false);
    expect(canTransition('Scheduled', 'Queued')).toBe(false);
    expect(canTransition('Queued', 'New')).toBe(false);
  });

  it('moves forward through the queue and out of it', () => {
    expect(canTransition('New', 'Queued')).toBe(true);
    expect(canTransition('Queued', 'Scheduled')).toBe(true);
    expect(canTransition('Scheduled', 'Waiting')).toBe(true);
    expect(canTransition('Waiting', 'Running')).toBe(true);
    expect(canTransition('Running', 'Completed')).toBe(true);
    expect(canTransition('Queued', 'Cancelled')).toBe(true);
    expect(canTransition('Running', 'Running')).toBe(false);
  });
});

describe('task counters', () => {
  it('counts finished tasks by result and the rest of the finished ones as n', () => {
    const counters = countTasks([
      { status: 'Completed', result: 'Pass' },
      { status: 'Completed', result: 'Warn' },
      { status: 'Aborted', result: 'Fail' },
      { status: 'Completed', result: 'Panic' },
      { status: 'Completed', result: 'New' },
      { status: 'Cancelled', result: 'Skip' },
      { status: 'Running', result: 'Pass' },
    ]);
    expect(counters).toEqual({ ttasks: 7, ptasks: 1, wtasks: 1, ftasks: 1, ktasks: 1, ntasks: 2 });
  });
});
