import { z } from 'zod';
import * as contracts from '../../../src/contracts';

// The API's OpenAPI document is generated from these schemas: each must convert, both as a
// request (input) and as an answer (output).
describe('every contract schema converts to JSON Schema', () => {
  const schemas: Array<[string, z.ZodType]> = [];
  for (const [name, value] of Object.entries(contracts)) {
    if (value instanceof z.ZodType) schemas.push([name, value]);
  }

  it('finds the schemas', () => {
    expect(schemas.map(([name]) => name)).toEqual(expect.arrayContaining(['lookupRequestSchema', 'jobSchema', 'problemSchema']));
  });

  it.each(schemas)('%s', (_name, schema) => {
    expect(() => z.toJSONSchema(schema, { io: 'input' })).not.toThrow();
    expect(() => z.toJSONSchema(schema, { io: 'output' })).not.toThrow();
  });

  it('documents the limits a caller must respect', () => {
    const lookup = z.toJSONSchema(contracts.lookupRequestSchema, { io: 'input' }) as {
      properties: Record<string, { minimum?: number; maximum?: number; maxItems?: number; description?: string }>;
      required: string[];
    };
    expect(lookup.required).toEqual(['internetMessageId']);
    expect(lookup.properties.depth).toMatchObject({ minimum: 0, maximum: 5 });
    expect(lookup.properties.recipients).toMatchObject({ maxItems: 1000 });
    expect(lookup.properties.internetMessageId?.description).toMatch(/starts with </);
  });
});
