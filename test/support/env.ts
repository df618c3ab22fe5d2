// Jest setupFiles: runs in every test file before it loads, so keep it to environment variables.
process.env.TZ = 'UTC';
process.env.NODE_ENV = 'test';
process.env.ERLEN_TEST_PG ??= 'postgresql://postgres@127.0.0.1:5432';
