import { describe, expect, it } from 'vitest';
import { renderMermaid } from '../../src/plan/mermaid.js';
import { catalog, chinook, table } from '../helpers/catalog-builder.js';

function library() {
  return catalog([
    table('authors', {
      columns: { id: 'integer', name: 'character varying(255)', mentor_id: 'integer?' },
      unique: [['name']],
      fks: [{ columns: ['mentor_id'], table: 'authors' }],
    }),
    table('books', {
      columns: { id: 'integer', author_id: 'integer', editor_id: 'integer?', price: 'numeric(10,2)?' },
      fks: [
        { columns: ['author_id'], table: 'authors' },
        { columns: ['editor_id'], table: 'authors' },
      ],
    }),
    table('book_covers', {
      pk: ['book_id'],
      columns: { book_id: 'integer', image: 'bytea' },
      fks: [{ columns: ['book_id'], table: 'books' }],
    }),
  ]);
}

describe('renderMermaid', () => {
  it('renders a whole catalog as one diagram', () => {
    expect(renderMermaid(library(), null)).toBe(
      [
        'erDiagram',
        '  authors {',
        '    integer id PK',
        '    character_varying_255_ name UK',
        '    integer mentor_id FK',
        '  }',
        '  book_covers {',
        '    integer book_id PK, FK',
        '    bytea image',
        '  }',
        '  books {',
        '    integer id PK',
        '    integer author_id FK',
        '    integer editor_id FK',
        '    numeric_10_2_ price',
        '  }',
        '  authors |o--o{ authors : "mentor_id"',
        '  books ||--o| book_covers : "book_id"',
        '  authors ||--o{ books : "author_id"',
        '  authors |o--o{ books : "editor_id"',
        '',
      ].join('\n'),
    );
  });

  it('draws one diagram per service, with a placeholder for each end in another service', () => {
    const owner = new Map([
      ['authors', 'people'],
      ['books', 'catalog'],
      ['book_covers', 'catalog'],
    ]);
    expect(renderMermaid(library(), owner)).toBe(
      [
        '%% service: catalog',
        'erDiagram',
        '  book_covers {',
        '    integer book_id PK, FK',
        '    bytea image',
        '  }',
        '  books {',
        '    integer id PK',
        '    integer author_id FK',
        '    integer editor_id FK',
        '    numeric_10_2_ price',
        '  }',
        '  books ||--o| book_covers : "book_id"',
        '  %% cross-service: books -> authors',
        '  people__authors ||--o{ books : "cross-service: author_id"',
        '  %% cross-service: books -> authors',
        '  people__authors |o--o{ books : "cross-service: editor_id"',
        '',
        '%% service: people',
        'erDiagram',
        '  authors {',
        '    integer id PK',
        '    character_varying_255_ name UK',
        '    integer mentor_id FK',
        '  }',
        '  authors |o--o{ authors : "mentor_id"',
        '  %% cross-service: books -> authors',
        '  authors ||--o{ catalog__books : "cross-service: author_id"',
        '  %% cross-service: books -> authors',
        '  authors |o--o{ catalog__books : "cross-service: editor_id"',
        '',
      ].join('\n'),
    );
  });

  it('sanitises names that are not Mermaid identifiers', () => {
    const text = renderMermaid(
      catalog([
        table('auth.users', { columns: { id: 'uuid', 'e-mail': 'text', pk: 'text' } }),
        table('Order Details', { columns: { 'unit price': 'money', '2fa': 'boolean' }, pk: null }),
        table('my-table', { fks: ['auth.users'] }),
        table('one'),
        table('a.b'),
        table('a_b'),
        table('profiles', { fks: ['storage.buckets'] }),
      ]),
      null,
    );
    expect(text).toContain('  auth_users {\n    uuid id PK\n    text e_mail\n    text pk_\n  }');
    expect(text).toContain('  Order_Details {\n    money unit_price\n    boolean _2fa\n  }');
    expect(text).toContain('  auth_users ||--o{ my_table : "users_id"');
    expect(text).toContain('  one_ {');
    expect(text).toContain('  a_b {');
    expect(text).toContain('  a_b_2 {');
    expect(text).toContain(
      '  %% outside the catalog: storage.buckets\n  storage_buckets ||--o{ profiles : "buckets_id"',
    );
    // Every entity and attribute word is made of letters, digits and _ only.
    for (const line of text.split('\n').filter((l) => !l.trimStart().startsWith('%%'))) {
      expect(line.replace(/"[^"]*"/g, '').replace(/\|o--o\{|\|\|--o[{|]|[{}:,]/g, '')).toMatch(
        /^[A-Za-z0-9_ ]*$/,
      );
    }
  });

  it('shows the first 12 columns of a wide table', () => {
    const columns = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`c${i + 1}`, 'text']));
    const text = renderMermaid(catalog([table('wide', { columns, pk: ['c1'] })]), null);
    expect(text).toContain('    text c12\n    %% +3 more columns\n  }');
    expect(text).not.toContain('c13');
  });

  it('draws placeholders exactly for the foreign keys that cross services', () => {
    const c = chinook();
    const owner = new Map<string, string>();
    for (const id of ['Artist', 'Album', 'Track', 'MediaType', 'Genre']) owner.set(id, 'music');
    for (const id of ['Playlist', 'PlaylistTrack']) owner.set(id, 'playlists');
    for (const id of ['Invoice', 'InvoiceLine', 'Customer', 'Employee']) owner.set(id, 'sales');
    const text = renderMermaid(c, owner);
    const placeholders = [...text.matchAll(/\b([a-z]+__\w+)\b/g)].map((m) => m[1]).sort();
    // Two cross-service keys (PlaylistTrack -> Track, InvoiceLine -> Track), each drawn in both services.
    expect(placeholders).toEqual([
      'music__Track',
      'music__Track',
      'playlists__PlaylistTrack',
      'sales__InvoiceLine',
    ]);
    expect(text.match(/%% cross-service/g)).toHaveLength(4);
    expect(text).toContain('  Invoice ||--o{ InvoiceLine : "InvoiceId"');
    expect(text).toContain('  Employee |o--o{ Employee : "ReportsTo"');
    expect(text.match(/^erDiagram$/gm)).toHaveLength(3);
  });

  it('is deterministic whatever the catalog order', () => {
    const c = chinook();
    const reversed = { ...c, tables: [...c.tables].reverse() };
    expect(renderMermaid(reversed, null)).toBe(renderMermaid(c, null));
  });
});
