/** What every view of the page may use of the app that holds it. */
import type { AppError, BarView, Settings, SkillsView } from "../api";

export interface Context {
  readonly doc: Document;
  /** The clock (tests pass their own). */
  readonly now: () => number;
  el<T extends HTMLElement = HTMLElement>(id: string): T;
  /** The bar as the Rust side sent it last. */
  readonly bar: BarView;
  settings: Settings;
  passwordRemembered: boolean;
  /** Whether the command of the button `id` is running. */
  busy(id: string): boolean;
  /** Runs a command for a button: disabled while in flight, errors to the last-error line. */
  run(buttonId: string, command: () => Promise<unknown>): Promise<boolean>;
  showError(error: AppError): void;
  /** The skill queues as last asked for while signed in (null: not known). */
  readonly skills: SkillsView | null;
  setSkills(view: SkillsView | null): void;
  renderError(): void;
  /** Shows every text in the language of the settings. */
  applyLanguage(): void;
}
