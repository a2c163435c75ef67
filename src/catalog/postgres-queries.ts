/**
 * Catalog queries for PostgreSQL, one per kind of object, each over all introspected schemas at once
 * (a monolith may have thousands of tables: no per-table round trips). `$1` is always the schema list.
 * Partitions are folded into their root: `root_of` maps a partition to its top-level partitioned table.
 */

/** Relations of interest: ordinary and partitioned tables that are not partitions, in the given schemas. */
export const TABLES = `
select c.oid::int8 as oid, n.nspname as schema, c.relname as name, c.relkind as kind,
       c.relrowsecurity as rls, obj_description(c.oid, 'pg_class') as comment,
       case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as partition_key,
       coalesce(array(select pc.relname::text from pg_partition_tree(c.oid) t join pg_class pc on pc.oid = t.relid
                      where t.isleaf and t.relid <> c.oid order by 1), '{}') as partitions,
       coalesce((select sum(greatest(pc.reltuples, 0)) from pg_partition_tree(c.oid) t
                 join pg_class pc on pc.oid = t.relid where t.isleaf), greatest(c.reltuples, 0))::float8 as estimate,
       (select count(*) from pg_partition_tree(c.oid) t join pg_class pc on pc.oid = t.relid
        where t.isleaf and pc.reltuples < 0)::int as never_analyzed,
       coalesce((select sum(pg_total_relation_size(t.relid)) from pg_partition_tree(c.oid) t where t.isleaf),
                pg_total_relation_size(c.oid))::int8 as bytes
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('r', 'p') and not c.relispartition and n.nspname = any($1)
 order by n.nspname, c.relname`;

export const COLUMNS = `
select a.attrelid::int8 as oid, a.attnum as position, a.attname as name,
       format_type(a.atttypid, a.atttypmod) as type,
       case when t.typcategory = 'A' then et.typname else t.typname end as base_type,
       t.typcategory = 'A' as is_array,
       case when ut.typtype in ('e', 'd') then utn.nspname || '.' || ut.typname end as user_type,
       not a.attnotnull as nullable,
       pg_get_expr(d.adbin, d.adrelid) as default_expr,
       a.attgenerated as generated, a.attidentity as identity,
       col_description(a.attrelid, a.attnum) as comment,
       exists (select 1 from pg_depend dep join pg_class s on s.oid = dep.objid and s.relkind = 'S'
                where dep.refobjid = a.attrelid and dep.refobjsubid = a.attnum and dep.deptype in ('a', 'i')) as owns_sequence
  from pg_attribute a
  join pg_class c on c.oid = a.attrelid
  join pg_namespace n on n.oid = c.relnamespace
  join pg_type t on t.oid = a.atttypid
  left join pg_type et on et.oid = t.typelem and t.typcategory = 'A'
  left join pg_type ut on ut.oid = coalesce(et.oid, t.oid)
  left join pg_namespace utn on utn.oid = ut.typnamespace
  left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
 where c.relkind in ('r', 'p') and not c.relispartition and n.nspname = any($1)
   and a.attnum > 0 and not a.attisdropped
 order by a.attrelid, a.attnum`;

/**
 * Constraints with their column names in key order. For a partitioned table, constraints declared
 * on partitions (not inherited from the root) are reported against the root with the partition named.
 */
export const CONSTRAINTS = `
with roots as (
  select c.oid as relid, coalesce(pg_partition_root(c.oid), c.oid) as root
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where c.relkind in ('r', 'p') and n.nspname = any($1)
)
select r.root::int8 as oid, k.conname as name, k.contype as type,
       case when k.conrelid <> r.root then (select relname from pg_class where oid = k.conrelid) end as partition,
       array(select a.attname::text from unnest(k.conkey) with ordinality u(num, ord)
             join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.num order by u.ord) as columns,
       fn.nspname as ref_schema, coalesce(fr.relname, '') as ref_table,
       array(select a.attname::text from unnest(k.confkey) with ordinality u(num, ord)
             join pg_attribute a on a.attrelid = k.confrelid and a.attnum = u.num order by u.ord) as ref_columns,
       k.confdeltype as on_delete, k.confupdtype as on_update, k.condeferrable as deferrable,
       pg_get_constraintdef(k.oid) as definition
  from pg_constraint k
  join roots r on r.relid = k.conrelid
  left join pg_class fr on fr.oid = coalesce(pg_partition_root(k.confrelid), nullif(k.confrelid, 0))
  left join pg_namespace fn on fn.oid = fr.relnamespace
 where k.contype in ('p', 'u', 'f', 'c') and k.conparentid = 0
 order by r.root, k.contype, k.conname`;

export const INDEXES = `
select i.indrelid::int8 as oid, ic.relname as name, i.indisunique as unique, i.indisprimary as primary,
       am.amname as method, pg_get_expr(i.indpred, i.indrelid) as predicate, pg_get_indexdef(i.indexrelid) as definition,
       array(select coalesce(a.attname::text, pg_get_indexdef(i.indexrelid, u.ord::int, true))
               from unnest(i.indkey) with ordinality u(num, ord)
               left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = u.num and u.num > 0
              where u.ord <= i.indnkeyatts order by u.ord) as columns
  from pg_index i
  join pg_class ic on ic.oid = i.indexrelid
  join pg_class c on c.oid = i.indrelid
  join pg_namespace n on n.oid = c.relnamespace
  join pg_am am on am.oid = ic.relam
 where c.relkind in ('r', 'p') and not c.relispartition and n.nspname = any($1)
 order by i.indrelid, ic.relname`;

export const TRIGGERS = `
select t.tgrelid::int8 as oid, t.tgname as name, pg_get_triggerdef(t.oid) as definition,
       pn.nspname || '.' || p.proname as function
  from pg_trigger t
  join pg_class c on c.oid = t.tgrelid
  join pg_namespace n on n.oid = c.relnamespace
  join pg_proc p on p.oid = t.tgfoid
  join pg_namespace pn on pn.oid = p.pronamespace
 where not t.tgisinternal and t.tgparentid = 0 and n.nspname = any($1)
 order by t.tgrelid, t.tgname`;

export const POLICIES = `
select c.oid::int8 as oid, p.polname as name, p.polcmd as command, p.polpermissive as permissive,
       case when p.polroles = '{0}' then array['public'] else
         array(select rolname::text from pg_roles where oid = any(p.polroles) order by 1) end as roles,
       pg_get_expr(p.polqual, p.polrelid) as using_expr, pg_get_expr(p.polwithcheck, p.polrelid) as check_expr
  from pg_policy p
  join pg_class c on c.oid = p.polrelid
  join pg_namespace n on n.oid = c.relnamespace
 where n.nspname = any($1)
 order by c.oid, p.polname`;

/** Privileges granted to roles other than the owner, folded per role. */
export const GRANTS = `
select c.oid::int8 as oid, coalesce(r.rolname, 'public') as role,
       array_agg(distinct g.privilege_type::text order by g.privilege_type::text) as privileges
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  cross join lateral aclexplode(c.relacl) g
  left join pg_roles r on r.oid = g.grantee
 where c.relkind in ('r', 'p') and not c.relispartition and n.nspname = any($1) and g.grantee <> c.relowner
 group by c.oid, r.rolname
 order by c.oid, 2`;

export const VIEWS = `
select n.nspname as schema, c.relname as name, c.relkind = 'm' as materialized,
       pg_get_viewdef(c.oid, true) as definition,
       array(select distinct dn.nspname || '.' || dc.relname
               from pg_rewrite rw join pg_depend d on d.objid = rw.oid and d.classid = 'pg_rewrite'::regclass
               join pg_class dc on dc.oid = d.refobjid and dc.oid <> c.oid and dc.relkind in ('r', 'p')
               join pg_namespace dn on dn.oid = dc.relnamespace
              where rw.ev_class = c.oid order by 1) as depends_on
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('v', 'm') and n.nspname = any($1)
 order by 1, 2`;

export const SEQUENCES = `
select n.nspname as schema, c.relname as name, format_type(s.seqtypid, null) as data_type,
       dt.relname as owned_table, da.attname as owned_column, ps.last_value::float8 as last_value
  from pg_sequence s
  join pg_class c on c.oid = s.seqrelid
  join pg_namespace n on n.oid = c.relnamespace
  left join pg_sequences ps on ps.schemaname = n.nspname and ps.sequencename = c.relname
  left join pg_depend d on d.objid = c.oid and d.classid = 'pg_class'::regclass and d.deptype in ('a', 'i')
       and d.refclassid = 'pg_class'::regclass
  left join pg_class dt on dt.oid = d.refobjid
  left join pg_attribute da on da.attrelid = d.refobjid and da.attnum = d.refobjsubid
 where n.nspname = any($1)
 order by 1, 2`;

export const ENUMS = `
select n.nspname as schema, t.typname as name, array_agg(e.enumlabel::text order by e.enumsortorder) as values
  from pg_type t join pg_enum e on e.enumtypid = t.oid join pg_namespace n on n.oid = t.typnamespace
 where n.nspname = any($1)
 group by 1, 2 order by 1, 2`;

export const DOMAINS = `
select n.nspname as schema, t.typname as name, format_type(t.typbasetype, t.typtypmod) as base_type,
       t.typnotnull as not_null, t.typdefault as default_expr,
       coalesce(array(select pg_get_constraintdef(k.oid) from pg_constraint k where k.contypid = t.oid order by k.conname), '{}') as checks
  from pg_type t join pg_namespace n on n.oid = t.typnamespace
 where t.typtype = 'd' and n.nspname = any($1)
 order by 1, 2`;

export const EXTENSIONS = `
select e.extname as name, e.extversion as version, n.nspname as schema
  from pg_extension e join pg_namespace n on n.oid = e.extnamespace
 where e.extname <> 'plpgsql'
 order by 1`;

export const FUNCTIONS = `
select n.nspname as schema, p.proname as name, l.lanname as language, p.prosrc as body
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
 where n.nspname = any($1) and p.prokind in ('f', 'p')
   and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
 order by 1, 2`;

/** User schemas: everything but system schemas, Supabase's managed ones, Cleave's own and extension-owned ones. */
export const USER_SCHEMAS = `
select n.nspname as name
  from pg_namespace n
 where n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'
   and n.nspname <> all($1)
   and not exists (select 1 from pg_depend d where d.objid = n.oid and d.deptype = 'e')
 order by 1`;
