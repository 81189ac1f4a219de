// A form's error message: announced to screen readers as soon as it appears.
export function FormError({ message }: { message: string | undefined }) {
  return message ? (
    <p role="alert" className="alert alert-error">
      {message}
    </p>
  ) : null;
}
