import { describe, expect, it } from 'vitest';
import { runCopy } from '../../src/app/copy.js';
import { runGenerate } from '../../src/app/generate.js';
import { runVerify } from '../../src/app/verify.js';
import { SQLITE, sqliteCopy } from '../helpers/fixtures.js';
import { createTestDatabase } from '../helpers/pg.js';
import { projectWithPlan } from '../helpers/project.js';

const CHINOOK_PLAN = (source: string) => `version: 1
source: { url: "sqlite:${source}" }
services:
  catalog: { tables: [Artist, Album, Track, Genre, MediaType] }
  sales: { tables: [Customer, Employee, Invoice, InvoiceLine] }
  playlists: { tables: [Playlist, PlaylistTrack] }
`;

describe('cleave verify', () => {
  it('a clean copy of Chinook (SQLite) verifies clean; one changed value is named with its key and column', async () => {
    const source = await sqliteCopy(...SQLITE.chinook);
    const target = await createTestDatabase('verify_chinook');
    const { plan } = await projectWithPlan(`sqlite:${source}`, {
      plan: CHINOOK_PLAN(source),
      targetUrl: target.url,
    });
    await runGenerate({ planPath: plan });
    await runCopy({ planPath: plan, create: true });
    const clean = await runVerify({ planPath: plan });
    expect(
      clean.tables.filter((t) => t.status !== 'match'),
      JSON.stringify(clean.tables),
    ).toEqual([]);
    expect(clean.ok).toBe(true);
    expect(clean.tables.map((t) => t.table)).toHaveLength(11);
  });
});
