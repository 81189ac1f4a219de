// A form's error message: announced to screen readers as soon as it appears.
export function FormError({ message }: { message: string | undefined }) {
  return message ? (
    <p role="alert" className="alert alert-error">
      {message}
    </p>
  ) : null;
}

/** What an action came to: a success as a polite status, a failure as an alert. */
export function FormResult({ result }: { result: { ok: boolean; text: string } | undefined }) {
  if (!result) return null;
  return result.ok ? (
    <p role="status" className="alert alert-success">
      {result.text}
    </p>
  ) : (
    <FormError message={result.text} />
  );
}
