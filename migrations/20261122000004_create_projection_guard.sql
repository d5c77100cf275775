-- Aborts a combined append-and-project statement whose read-model rows were not all
-- written (a cached row was stale): the caller then projects the slow way.
CREATE FUNCTION platform_expect_projected(written bigint, expected bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
    IF written <> expected THEN
        RAISE EXCEPTION 'read-model rows written: %, expected: %', written, expected
            USING ERRCODE = 'PX001';
    END IF;
    RETURN written;
END;
$$;
