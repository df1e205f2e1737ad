// The key layout is part of the output model in @vidgen/core (issue 16): the job lifecycle plans keys without S3.
export { OUTPUT_NAMES, jobObjectKey, jobObjectPrefix } from '@vidgen/core';
