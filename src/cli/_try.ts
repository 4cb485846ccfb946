import { graphql } from 'graphql';
import { buildSchema, printSubgraph } from '../graphql/schema.js';
const s = printSubgraph();
console.log(s.slice(0, 1500));
const r: any = await graphql({ schema: buildSchema(), source: '{ _service { sdl } }' });
console.log(r.errors, r.data._service.sdl.slice(0, 600));
console.log('equal', r.data._service.sdl.trim() === s.trim());
