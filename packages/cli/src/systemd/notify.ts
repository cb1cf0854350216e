/**
 * sd_notify for Type=notify units, without a native add-on: Node has no unix
 * datagram sockets, so each message is sent by systemd's own `systemd-notify`
 * (it waits until the manager has read the message, so nothing is lost when
 * it exits). The unit needs NotifyAccess=all, since the sender is a child.
 */
import { execFile } from 'node:child_process';

export interface Notifier {
  /** READY=1 with a status line: the first pass is done. */
  ready(status: string): void;
  status(status: string): void;
  /** STOPPING=1: shutdown began (SIGTERM). */
  stopping(): void;
  /** Stops the watchdog pings; resolves once every message posted so far was sent. */
  close(): Promise<void>;
}

/** Runs `systemd-notify` with these assignments; resolves when it is done, never rejects. */
export type NotifySender = (assignments: readonly string[]) => Promise<void>;

export interface NotifierOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly pid?: number;
  readonly send?: NotifySender;
  /** Where a failure to notify is reported (once per kind of message). */
  readonly onError?: (message: string) => void;
}

export function systemdNotifySender(env: Readonly<Record<string, string | undefined>>): NotifySender {
  return (assignments) =>
    new Promise((resolve, reject) => {
      execFile('systemd-notify', [...assignments], { env: { ...env }, timeout: 10_000 }, (error) =>
        error ? reject(error) : resolve(),
      );
    });
}

/**
 * The watchdog interval systemd asked for (WATCHDOG_USEC), when it is meant
 * for this process (WATCHDOG_PID unset or ours); pings go at half of it.
 */
export function watchdogIntervalMs(
  env: Readonly<Record<string, string | undefined>>,
  pid: number,
): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && Number(env.WATCHDOG_PID) !== pid)
    return undefined;
  return Math.max(1, Math.floor(usec / 1000 / 2));
}

/** undefined when NOTIFY_SOCKET is unset: not started by systemd as Type=notify. */
export function createNotifier(options: NotifierOptions): Notifier | undefined {
  const socket = options.env.NOTIFY_SOCKET;
  if (socket === undefined || socket === '') return undefined;
  const send = options.send ?? systemdNotifySender(options.env);
  const reported = new Set<string>();
  // In order: STOPPING must not overtake READY.
  let queue: Promise<void> = Promise.resolve();
  const post = (kind: string, assignments: readonly string[]) => {
    queue = queue.then(() =>
      send(assignments).catch((error: unknown) => {
        if (reported.has(kind)) return;
        reported.add(kind);
        options.onError?.(
          `Could not notify systemd (${kind}): ${error instanceof Error ? error.message : String(error)}`,
        );
      }),
    );
  };
  const interval = watchdogIntervalMs(options.env, options.pid ?? process.pid);
  const timer =
    interval === undefined ? undefined : setInterval(() => post('watchdog', ['WATCHDOG=1']), interval);
  timer?.unref();
  const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
  return {
    ready: (status) => post('ready', ['READY=1', `STATUS=${oneLine(status)}`]),
    status: (status) => post('status', [`STATUS=${oneLine(status)}`]),
    stopping: () => post('stopping', ['STOPPING=1', 'STATUS=Stopping.']),
    close: () => {
      if (timer !== undefined) clearInterval(timer);
      return queue;
    },
  };
}
