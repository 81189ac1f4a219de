import { sourceFileUrl } from "@/lib/source-link";
import { FLOW_STEPS } from "./flow-steps";
import styles from "./flow.module.css";

/**
 * The token lifecycle as numbered boxes, each naming the files that do the work: links to
 * their source when the repository is known (`sourceBase`, lib/source-link.ts), plain
 * paths otherwise.
 */
export function FlowDiagram({ sourceBase }: { sourceBase: string | null }) {
  return (
    <ol className={styles.flow} aria-label="The token lifecycle">
      {FLOW_STEPS.map((step) => (
        <li key={step.id} className={`${styles.step} ${step.tone === "danger" ? styles.danger : ""}`}>
          <h3 className={styles.stepTitle}>{step.title}</h3>
          <p className={styles.stepText}>{step.text}</p>
          <ul className={styles.files} aria-label={`Files for ${step.title}`}>
            {step.files.map((file) => {
              const href = sourceFileUrl(sourceBase, file);
              return (
                <li key={file}>
                  {href ? (
                    <a href={href}>
                      <code>{file}</code>
                    </a>
                  ) : (
                    <code>{file}</code>
                  )}
                </li>
              );
            })}
          </ul>
        </li>
      ))}
    </ol>
  );
}
