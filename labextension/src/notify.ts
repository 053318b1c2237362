import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReadonlyJSONValue } from '@lumino/coreutils';

/** The text of an error, whatever was thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Show an error as a notification with its full text behind "Show details". */
export function notifyError(
  title: string,
  error: unknown,
  trans: TranslationBundle
): void {
  const message = errorMessage(error);
  Notification.error(`${title}: ${message}`, {
    autoClose: false,
    actions: [
      {
        label: trans.__('Show details'),
        callback: () =>
          void showDialog({
            title,
            body: message,
            buttons: [Dialog.okButton()]
          })
      }
    ]
  });
}

/** How long work may take before an in-progress notification shows (ms). */
export const PROGRESS_AFTER_MS = 500;
/** How long an in-progress notification is up before it may change (ms). */
export const PROGRESS_SETTLE_MS = 500;

/**
 * An in-progress notification for work that is often quick, which then becomes the outcome.
 *
 * JupyterLab loses a change made to a toast right after it was emitted: the toast stays
 * "in progress" for good while the notification center shows the outcome (jupyterlab#15558). So
 * the notification shows only once the work has taken `PROGRESS_AFTER_MS` (quick work shows its
 * outcome alone), and a change waits until the toast has been up `PROGRESS_SETTLE_MS`.
 */
export class ProgressNote {
  constructor(private readonly _message: string) {
    this._timer = setTimeout(() => {
      this._id = Notification.emit(this._message, 'in-progress', {
        autoClose: false
      });
      this._shownAt = Date.now();
    }, PROGRESS_AFTER_MS);
  }

  /** End with `message`: the in-progress notification becomes it, or it shows alone. */
  async finish(
    message: string,
    type: Notification.TypeOptions,
    options: Notification.IOptions<ReadonlyJSONValue> = {}
  ): Promise<void> {
    const id = await this._settled();
    if (id === null) {
      Notification.emit(message, type, options);
    } else {
      Notification.update({ id, message, type, ...options });
    }
  }

  /** End without a message (the caller shows what happened another way). */
  async dismiss(): Promise<void> {
    const id = await this._settled();
    if (id !== null) {
      Notification.dismiss(id);
      this._id = null; // a later finish() shows its outcome alone
    }
  }

  /** The notification's id once it may change, or null if it never showed. */
  private async _settled(): Promise<string | null> {
    clearTimeout(this._timer);
    const wait = this._shownAt + PROGRESS_SETTLE_MS - Date.now();
    if (this._id !== null && wait > 0) {
      await new Promise(resolve => setTimeout(resolve, wait));
    }
    return this._id;
  }

  private _timer: ReturnType<typeof setTimeout>;
  private _id: string | null = null;
  private _shownAt = 0;
}
