-- Voice design candidates: a design request makes several renderings of one description (each a variant), previews
-- them, and the tenant keeps one. A candidate is a voice with a design_id until it is kept (then design_id is null
-- and it counts as a voice); the others are deleted then, or with the design after a day.
alter table voices add column design_id uuid, add column variant integer, add column preview_task uuid;
create index voices_design on voices (tenant_id, design_id) where design_id is not null;

-- A design is audited as an object of its own when another tenant names it: its owner is its candidates' tenant.
-- security_invoker: read with the privileges of audit_foreign_access's owner (voice_admin), not the view's.
create view voice_designs with (security_invoker = true) as
    select design_id as id, tenant_id from voices where design_id is not null;
grant select on voice_designs to voice_admin;
insert into audited_object_kinds values ('voice_design', 'voice_designs', 'uuid');
