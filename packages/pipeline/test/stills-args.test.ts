import { frameAt, spritePlan, stillFrames, stillsArgs } from '../src';

describe('stills: pure planning', () => {
  it('picks the frame showing at each instant, within the video', () => {
    expect(frameAt(0, 30, 90)).toBe(0);
    expect(frameAt(1.5, 30, 90)).toBe(45);
    expect(frameAt(1.0333, 30, 90)).toBe(30);
    expect(frameAt(5, 30, 90)).toBe(89);
    const sprite = spritePlan({ durationSeconds: 3, srcWidth: 1280, srcHeight: 720 });
    expect(stillFrames({ fps: 30, totalFrames: 90, count: 2, sprite })).toEqual({ poster: 9, thumbnails: [22, 67], sprite: [0, 30, 60] });
  });

  it('builds one ffmpeg with the poster, the thumbnails and the tiled sprite told apart by frame index', () => {
    const plan = spritePlan({ durationSeconds: 3, srcWidth: 1280, srcHeight: 720 });
    const args = stillsArgs({ width: 1280, height: 720, pixelFormat: 'bgr24', poster: { output: '/o/poster.jpg' }, thumbnails: { count: 2, width: 320, height: 180, pattern: '/o/thumb-%03d.jpg' }, sprite: { plan, output: '/o/sprite.jpg' } });
    expect(args.slice(0, 13)).toEqual(['-f', 'rawvideo', '-pix_fmt', 'bgr24', '-s', '1280x720', '-r', '1', '-i', 'pipe:0', '-filter_complex_threads', '1', '-filter_complex']);
    expect(args[13]).toBe('[0:v]split=3[p][t][s];[p]trim=end_frame=1[poster];[t]trim=start_frame=1:end_frame=3,setpts=PTS-STARTPTS,scale=320:180[thumbs];[s]trim=start_frame=3,setpts=PTS-STARTPTS,scale=160:90,tile=3x1[sprite]');
    expect(args).toContain('/o/thumb-%03d.jpg');
  });
});
