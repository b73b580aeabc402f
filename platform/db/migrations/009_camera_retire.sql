-- Retiring a camera: it leaves the lists, the health rounds, the alarm subscriptions
-- and the relays, but its row stays so the alerts, PTZ log and incidents that name it
-- keep their history. Its address may then be registered again as a new camera.

ALTER TABLE cameras
  ADD COLUMN retired_at timestamptz,
  ADD COLUMN retired_by bigint REFERENCES accounts(id);

ALTER TABLE cameras DROP CONSTRAINT cameras_host_port_key;
CREATE UNIQUE INDEX cameras_address_in_service ON cameras (host, port) WHERE retired_at IS NULL;
