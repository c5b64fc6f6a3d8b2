// Plain functions, no zod: workflow code imports them (poll-failure-types.ts says why that matters).

/** The UTC month `at` falls in, as YYYY-MM. */
export const monthOf = (at: Date): string => at.toISOString().slice(0, 7);

/** The calendar month before the one `at` falls in (UTC), as YYYY-MM: 2031-03-03T04:00Z → 2031-02. */
export const previousMonth = (at: Date): string => monthOf(new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - 1, 1)));
