/**
 * The SDK warns that its releases after January 2027 need Node 22; that one warning is
 * noise in a benchmark run. Every other warning is still printed.
 *
 * @example
 * quietSdkWarnings();
 */
export function quietSdkWarnings(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (!`${warning.name} ${warning.message}`.includes('NodeVersionSupportWarning')) console.error(warning);
  });
}
