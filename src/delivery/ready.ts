// What `ready()` answers: the verdict on the default destination. Each call settles at
// the latest by the end of the next lookup attempt, so it never hangs: it resolves once
// the destination is verified, rejects with the reason when an attempt fails (the lookup
// goes on retrying in the background, and a later call resolves once it succeeds), and
// rejects at once after a final failure (a rejected key, an unknown project).

const PREFIX = "braintrust-otel-exporter: ";
const noop = () => {};

export class ReadyGate {
  private verdict: { ok: true } | { ok: false; error: Promise<never> } | undefined;
  private next: { promise: Promise<void>; resolve(): void; reject(error: Error): void } | undefined;

  wait(): Promise<void> {
    if (this.verdict?.ok) return Promise.resolve();
    if (this.verdict) return this.verdict.error;
    if (!this.next) {
      let resolve = noop;
      let reject: (error: Error) => void = noop;
      const promise = new Promise<void>((yes, no) => {
        resolve = yes;
        reject = no;
      });
      // Nobody has to await ready(): an unobserved rejection must not become an unhandledRejection.
      promise.catch(noop);
      this.next = { promise, resolve, reject };
    }
    return this.next.promise;
  }

  /** The destination answered: every wait, now and later, resolves. */
  succeeded(): void {
    if (this.verdict && !this.verdict.ok) return; // a final failure stands
    this.verdict = { ok: true };
    this.take()?.resolve();
  }

  /** One attempt failed and will be retried: those waiting now learn why; later calls wait for the next attempt. */
  attemptFailed(message: string): void {
    if (this.verdict) return;
    this.take()?.reject(new Error(`${PREFIX}${message}; still retrying in the background`));
  }

  /** No retry will help: every wait, now and later, rejects with this. */
  failed(message: string): void {
    const error = new Error(PREFIX + message);
    const rejected = Promise.reject(error);
    rejected.catch(noop);
    this.verdict = { ok: false, error: rejected };
    this.take()?.reject(error);
  }

  private take() {
    const next = this.next;
    this.next = undefined;
    return next;
  }
}
