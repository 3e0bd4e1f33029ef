// The page's files are imported as text (`./page/app.js?raw`) and so embedded in the
// build: esbuild.config.js loads them so, and Vite (vitest) does the same natively.
declare module '*?raw' {
  const text: string;
  export default text;
}
