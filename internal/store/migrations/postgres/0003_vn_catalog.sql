-- The virtual-number catalog (seed 000): services (WhatsApp, Telegram...), countries,
-- each country's price list per upstream provider and server, and operators.
CREATE TABLE vn_services (
    code   BIGINT PRIMARY KEY,           -- seed 000's service_code, e.g. 14 WhatsApp
    name   TEXT NOT NULL,
    image  TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE vn_countries (
    number_id BIGINT PRIMARY KEY,        -- seed 000's number_id, e.g. 340437 Indonesia
    name      TEXT NOT NULL,
    prefix    TEXT NOT NULL
);

CREATE TABLE vn_prices (
    service_code BIGINT NOT NULL REFERENCES vn_services(code),
    number_id    BIGINT NOT NULL REFERENCES vn_countries(number_id),
    provider_id  TEXT NOT NULL,
    server_id    BIGINT NOT NULL DEFAULT 0,
    price        BIGINT NOT NULL CHECK (price >= 0),  -- base price, rupiah
    rate_bp      BIGINT NOT NULL DEFAULT 0,          -- success rate in basis points (81.6% = 8160)
    stock        BIGINT NOT NULL DEFAULT 0 CHECK (stock >= 0),
    PRIMARY KEY (service_code, number_id, provider_id)
);

CREATE TABLE vn_operators (
    number_id   BIGINT NOT NULL REFERENCES vn_countries(number_id),
    provider_id TEXT NOT NULL,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    image       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (number_id, provider_id, id)
);
