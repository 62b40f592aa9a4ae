/** One accepted result package, as the report steps need it (provided by the result intake). */
export interface CollectedPackage {
  readonly roomCode: string;
  readonly sessionNo: number;
  /** Where the site keeps the accepted package. */
  readonly file: string;
  readonly size: number;
  readonly sha256: string;
  readonly acceptedAt: string;
}

/** The accepted packages of the site right now (the 数据回收 store). */
export interface CollectedResultsSource {
  list(): Promise<CollectedPackage[]>;
}
