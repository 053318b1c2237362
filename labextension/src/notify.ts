import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

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
