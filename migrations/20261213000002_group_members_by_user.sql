-- A person's groups (the people list names them on every row; a teacher's learners are found
-- through the teacher's own memberships): by member and user, not only by group.
CREATE INDEX group_members_by_user ON content.group_members (tenant_id, user_id);
