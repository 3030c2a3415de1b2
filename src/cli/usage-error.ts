/** Wrong command-line usage: reported with a pointer to the help, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose help explains the right usage (`ctl`, `start`, …). */
    readonly command: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
