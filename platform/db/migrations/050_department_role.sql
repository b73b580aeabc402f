-- Department staff (市场监管所, 综合执法中队, 司法所, 派出所, the county's departments …): they
-- accept, handle and feed back the cases the command room hands them (交办). What they may
-- touch is decided by their membership of an organisation (051), not by this role alone.
-- Alone in its migration: a new enum value cannot be used in the transaction that adds it.
ALTER TYPE account_role ADD VALUE IF NOT EXISTS 'department';
