import { jobObjectKey, jobObjectPrefix, OUTPUT_NAMES } from '@vidgen/storage';

describe('object keys', () => {
  it('lays every output of a job under videos/<owner>/<job_id>/', () => {
    expect(jobObjectPrefix('owner1', '3f1c0d2e-0000-4000-8000-000000000001')).toBe('videos/owner1/3f1c0d2e-0000-4000-8000-000000000001/');
    expect(jobObjectKey('team.a', 'job-1', OUTPUT_NAMES.hlsPlaylist('720p'))).toBe('videos/team.a/job-1/hls/720p/index.m3u8');
    // Dots next to other characters are ordinary owner names.
    expect(jobObjectKey('.hidden', 'job-1', OUTPUT_NAMES.video)).toBe('videos/.hidden/job-1/video.mp4');
    expect(jobObjectKey('a..b', 'job-1', OUTPUT_NAMES.video)).toBe('videos/a..b/job-1/video.mp4');
  });

  it.each(['.', '..', '...', '', 'a/b', '../x', 'a\\b'])('refuses the owner %j', (owner) => {
    expect(() => jobObjectPrefix(owner, 'job-1')).toThrow(expect.objectContaining({ code: 'INTERNAL_ERROR', retryable: false, message: expect.stringContaining('Invalid owner') }));
    expect(() => jobObjectKey(owner, 'job-1', OUTPUT_NAMES.video)).toThrow(/Invalid owner/);
  });

  it.each(['.', '..', '', 'x/y'])('refuses the job id %j', (jobId) => {
    expect(() => jobObjectKey('owner1', jobId, OUTPUT_NAMES.video)).toThrow(/Invalid job id/);
  });
});
