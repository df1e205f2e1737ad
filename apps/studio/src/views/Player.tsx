import { useEffect, useRef, useState } from 'preact/hooks';
import type { Job } from '../api';
import { parseStoryboard, tileAt, type StoryboardTile } from './storyboard';

export interface PlayerProps {
  result: NonNullable<Job['result']>;
  title: string;
}

/**
 * The video: HLS through hls.js (a chunk of its own, loaded here, from our
 * origin), the MP4 where the browser has no MediaSource; subtitles, poster,
 * a scrub bar with the storyboard's sprite previews, and the download link.
 */
export function Player({ result, title }: PlayerProps) {
  const video = useRef<HTMLVideoElement>(null);
  const [engine, setEngine] = useState<'hls.js' | 'mp4' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tiles, setTiles] = useState<StoryboardTile[]>([]);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(result.duration_seconds);
  const [hover, setHover] = useState<{ t: number; x: number } | null>(null);

  useEffect(() => {
    const v = video.current!;
    let destroy = () => {};
    let cancelled = false;
    void (async () => {
      if (result.hls_url) {
        const { default: Hls } = await import('hls.js');
        if (cancelled) return;
        if (Hls.isSupported()) {
          // No worker: the page's CSP allows no blob: scripts; these videos are short enough to transmux on the main thread.
          // No subtitles from hls.js: the <track> below shows the same WebVTT, and hls.js's own text track would
          // show every cue a second time (and load a data: URL, which the CSP refuses).
          const hls = new Hls({ enableWorker: false, capLevelToPlayerSize: true, enableWebVTT: false, enableIMSC1: false, enableCEA708Captions: false });
          hls.on(Hls.Events.ERROR, (_e, data) => data.fatal && setError(`Playback failed: ${data.details}`));
          hls.loadSource(result.hls_url);
          hls.attachMedia(v);
          destroy = () => hls.destroy();
          setEngine('hls.js');
          return;
        }
      }
      if (result.video_url) {
        v.src = result.video_url;
        setEngine('mp4');
      }
    })().catch((err: unknown) => setError(String(err)));
    return () => {
      cancelled = true;
      destroy();
    };
  }, [result.hls_url, result.video_url]);

  useEffect(() => {
    if (!result.storyboard_url) return;
    let cancelled = false;
    fetch(result.storyboard_url)
      .then((res) => (res.ok ? res.text() : ''))
      .then((text) => !cancelled && setTiles(parseStoryboard(text, result.storyboard_url!)))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [result.storyboard_url]);

  const tile = hover ? tileAt(tiles, hover.t) : null;
  const scrubTo = (t: number) => {
    const v = video.current!;
    v.currentTime = t;
    setTime(t);
  };
  const fromPointer = (e: PointerEvent) => {
    const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (e.clientX - r.left) / r.width));
    return { t: f * duration, x: e.clientX - r.left };
  };

  return (
    <section class="card player" aria-labelledby="player-title">
      <h2 id="player-title">Watch</h2>
      <video
        ref={video}
        controls
        playsInline
        crossOrigin="anonymous"
        preload="metadata"
        poster={result.poster_url ?? undefined}
        aria-label={`Video: ${title}`}
        data-engine={engine ?? ''}
        onTimeUpdate={(e) => setTime((e.target as HTMLVideoElement).currentTime)}
        onDurationChange={(e) => Number.isFinite((e.target as HTMLVideoElement).duration) && setDuration((e.target as HTMLVideoElement).duration)}
      >
        {result.subtitles_url && <track kind="subtitles" srclang="en" label="English" src={result.subtitles_url} default />}
      </video>
      {tiles.length > 0 && (
        <div class="scrub" onPointerMove={(e) => setHover(fromPointer(e))} onPointerLeave={() => setHover(null)}>
          <label for="scrub" class="visually-hidden">
            Seek (with previews)
          </label>
          <input
            id="scrub"
            type="range"
            min={0}
            max={duration}
            step={0.1}
            value={time}
            aria-valuetext={`${time.toFixed(1)} of ${duration.toFixed(1)} seconds`}
            onInput={(e) => {
              const t = Number((e.target as HTMLInputElement).value);
              scrubTo(t);
              setHover((h) => (h ? { ...h, t } : h));
            }}
            onFocus={() => setHover({ t: time, x: 0 })}
            onBlur={() => setHover(null)}
          />
          {tile && (
            <div
              class="preview"
              data-testid="scrub-preview"
              aria-hidden="true"
              style={{
                width: `${tile.w}px`,
                height: `${tile.h}px`,
                left: `${Math.max(0, hover!.x - tile.w / 2)}px`,
                backgroundImage: `url("${tile.url}")`,
                backgroundPosition: `-${tile.x}px -${tile.y}px`,
              }}
            />
          )}
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p class="actions">
        {result.download_url && (
          <a class="button" href={result.download_url} download>
            Download MP4
          </a>
        )}
        <span class="hint">{engine === 'hls.js' ? 'Streaming (HLS)' : engine === 'mp4' ? 'MP4' : ''}</span>
      </p>
    </section>
  );
}
