/**
 * The part of js-yaml 4 that fast-parse.ts uses. js-yaml ships no types of its own, and
 * @types/js-yaml is not among the installed packages; these few lines stand in for it.
 */
declare module 'js-yaml' {
  export interface TypeOptions {
    kind: 'scalar' | 'sequence' | 'mapping';
    resolve?: (data: string | null) => boolean;
    construct?: (data: string | null) => unknown;
  }
  export class Type {
    constructor(tag: string, options: TypeOptions);
  }
  export class Schema {
    extend(types: { implicit?: Type[]; explicit?: Type[] }): Schema;
  }
  export const FAILSAFE_SCHEMA: Schema;
  export function load(text: string, options?: { schema?: Schema; filename?: string }): unknown;
}
