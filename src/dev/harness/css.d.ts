// The harness's stylesheet is bundled as text (webpack `asset/source`) and put in a <style>.
declare module '*.css' {
  const text: string;
  export default text;
}
