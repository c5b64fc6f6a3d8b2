/** Kept equal to package.json's version (the package test checks it). */
export const VERSION = '0.1.0';
