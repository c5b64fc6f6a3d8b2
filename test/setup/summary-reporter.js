// Prints the plain closing line CI readers understand ("N passed, N failed, N skipped") after Jest's summary.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failedSuites = results.numFailedTestSuites;
    const failed = results.numFailedTests + (results.numRuntimeErrorTestSuites ?? 0);
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`);
    if (failedSuites > 0 && failed === 0) process.stdout.write(`(${failedSuites} test file(s) failed to run)\n`);
  }
}
module.exports = SummaryReporter;
