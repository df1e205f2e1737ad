export * from './thumbnail-plan';
export * from './thumbnail-args';
export * from './thumbnails';
export * from './hls-ladder';
export * from './hls-args';
export * from './hls-playlist';
export * from './keyframes';
export * from './hls';
