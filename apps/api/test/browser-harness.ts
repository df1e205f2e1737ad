// The browser tier's harness lives in @vidgen/testing/browser (the studio's tests use it too).
export * from '@vidgen/testing/browser';
