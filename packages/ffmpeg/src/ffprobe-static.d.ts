declare module 'ffprobe-static' {
  export const path: string;
}
