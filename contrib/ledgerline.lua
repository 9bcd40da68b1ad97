-- LedgerLine frames (client -> appliance, "LL") and receipts (appliance -> client,
-- "LR") for Wireshark and tshark: README.md "Wire format" as named, filterable fields.
--
--   tshark -X lua_script:contrib/ledgerline.lua -r capture.pcap -Y ledgerline
--   (or copy it into ~/.local/lib/wireshark/plugins/ for Wireshark itself)
--
-- A datagram the appliance would drop at parsing gets `ledgerline.malformed` set to
-- the appliance's own drop reason (bad_magic, bad_version, bad_length,
-- unknown_scheme, bad_flags), checked in the order dataplane/wire/ll_wire.c checks
-- them, so the reason shown is the one its counters would show. chain_mismatch,
-- bad_signature, unknown_client and the later stages need the appliance's state:
-- they are not judged here. A capture cut short by its snaplen is flagged as
-- `ledgerline.truncated`, not judged. Every read is checked against the captured
-- bytes first: no input makes the dissector fail.
-- Written for Lua 5.2 to 5.4 (no bit32, no integer operators).

local ll = Proto("ledgerline", "LedgerLine")

local FRAME_MAGIC, RECEIPT_MAGIC, VERSION = 0x4C4C, 0x524C, 1
local HEADER, RECORD_HEADER, MAX_RECORDS = 8, 44, 64
local RECEIPT_HEADER, ENTRY = 4, 45
local DEFAULT_PORT = 7400

-- scheme -> signature bytes; a scheme not here is unknown_scheme
local sig_bytes = { [0] = 0, [1] = 64, [2] = 64 }
local scheme_names = { [0] = "none", [1] = "Ed25519", [2] = "SM2-SM3" }

local f = {
	magic = ProtoField.uint16("ledgerline.magic", "Magic", base.HEX,
		{ [FRAME_MAGIC] = "LL, frame", [RECEIPT_MAGIC] = "LR, receipt" }),
	version = ProtoField.uint8("ledgerline.version", "Version"),
	count = ProtoField.uint8("ledgerline.count", "Records"),
	chain_id = ProtoField.uint32("ledgerline.chain_id", "Chain id"),
	record = ProtoField.none("ledgerline.record", "Record"),
	len = ProtoField.uint16("ledgerline.record.len", "Length"),
	scheme = ProtoField.uint8("ledgerline.record.scheme", "Scheme", base.DEC,
		scheme_names),
	flags = ProtoField.uint8("ledgerline.record.flags", "Flags", base.HEX),
	flag_receipt = ProtoField.bool("ledgerline.record.flags.receipt", "Receipt asked for", 8,
		nil, 0x01),
	flag_reserved = ProtoField.uint8("ledgerline.record.flags.reserved", "Reserved bits",
		base.HEX, nil, 0xfe),
	nonce = ProtoField.uint64("ledgerline.record.nonce", "Nonce"),
	client = ProtoField.bytes("ledgerline.record.client", "Client key id"),
	payload = ProtoField.bytes("ledgerline.record.payload", "Payload"),
	sig = ProtoField.bytes("ledgerline.record.sig", "Signature"),
	trailing = ProtoField.bytes("ledgerline.trailing", "Bytes after the last record"),

	r_magic = ProtoField.uint16("ledgerline.receipt.magic", "Magic", base.HEX,
		{ [RECEIPT_MAGIC] = "LR, receipt" }),
	r_version = ProtoField.uint8("ledgerline.receipt.version", "Version"),
	r_count = ProtoField.uint8("ledgerline.receipt.count", "Entries"),
	entry = ProtoField.none("ledgerline.receipt.entry", "Entry"),
	txid = ProtoField.bytes("ledgerline.receipt.txid", "Transaction id"),
	height = ProtoField.uint64("ledgerline.receipt.height", "Block height"),
	index = ProtoField.uint32("ledgerline.receipt.index", "Index in block"),
	status = ProtoField.uint8("ledgerline.receipt.status", "Status", base.DEC,
		{ [0] = "committed" }),

	malformed = ProtoField.string("ledgerline.malformed", "Malformed"),
	truncated = ProtoField.uint32("ledgerline.truncated", "Bytes missing from the capture"),
}
local fields = {}
for _, field in pairs(f) do
	fields[#fields + 1] = field
end
ll.fields = fields

local e_malformed = ProtoExpert.new("ledgerline.malformed.expert",
	"Malformed: the appliance drops this datagram", expert.group.MALFORMED, expert.severity.ERROR)
-- a snaplen, not the sender, cut it short: undecoded, not malformed
local e_truncated = ProtoExpert.new("ledgerline.truncated.expert",
	"Capture cut short: not every field could be read", expert.group.UNDECODED,
	expert.severity.WARN)
local e_status = ProtoExpert.new("ledgerline.receipt.status.expert",
	"Receipt entry not committed", expert.group.RESPONSE_CODE, expert.severity.NOTE)
ll.experts = { e_malformed, e_truncated, e_status }

ll.prefs.udp_port = Pref.uint("UDP port", DEFAULT_PORT,
	"The appliance's ingest port (ledgerlined --udp-port); frames and receipts both use it")

-- "1 record", "4 records"
local function plural(n, one, many)
	return string.format("%d %s", n, n == 1 and one or many)
end

-- One datagram being read: the tvb, how long it was on the wire (what the
-- appliance judged) and how much of it the capture kept (what can be read).
local function reader(tvb, pinfo, root)
	local d = { tvb = tvb, pinfo = pinfo, root = root, wire = tvb:reported_len(),
		cap = tvb:len() }

	-- d.have(off, n): bytes [off, off + n) were captured
	function d.have(off, n)
		return off >= 0 and n > 0 and off + n <= d.cap
	end

	-- d.range(off, n): those bytes as a TvbRange, or nil when not captured
	function d.range(off, n)
		if d.have(off, n) then
			return tvb:range(off, n)
		end
		return nil
	end

	-- d.add(parent, field, off, n, le): the field over captured bytes, or nil
	function d.add(parent, field, off, n, le)
		local r = d.range(off, n)
		if not r then
			return nil
		end
		if le then
			return parent:add_le(field, r)
		end
		return parent:add(field, r)
	end

	-- d.uint(off, n): a little-endian integer of up to 4 bytes (the caller checked have)
	function d.uint(off, n)
		return tvb:range(off, n):le_uint()
	end

	-- d.bad(reason, off, n, detail): the appliance's drop reason, with expert info
	function d.bad(reason, off, n, detail)
		local r = d.range(off, n)
		local item
		if r then
			item = root:add(f.malformed, r, reason)
		else
			item = root:add(f.malformed, reason)
		end
		item:add_proto_expert_info(e_malformed, reason .. ": " .. detail)
		d.pinfo.cols.info:set((d.receipt and "Malformed receipt: " or "Malformed: ") .. reason)
		root:append_text(" [Malformed: " .. reason .. "]")
		return false
	end

	-- d.cut(need): the capture ends before byte need; flagged, not judged
	function d.cut(need)
		local missing = d.wire - d.cap
		local item = root:add(f.truncated, missing)
		item:add_proto_expert_info(e_truncated, string.format(
			"captured %d of %d bytes; byte %d is needed", d.cap, d.wire, need))
		d.pinfo.cols.info:set(string.format("Truncated capture: %d of %d bytes", d.cap,
			d.wire))
		root:append_text(" [Truncated capture]")
		return false
	end

	return d
end

-- The i-th record, at byte at of the datagram: true and its length when it
-- parses, false once it has been flagged.
local function record(d, i, at)
	local left = d.wire - at
	if left < 4 then
		return d.bad("bad_length", at, left, string.format(
			"record %d: %d bytes left, short of its length, scheme and flags", i, left))
	end
	if not d.have(at, 4) then
		return d.cut(at + 4)
	end
	local len, scheme, flags = d.uint(at, 2), d.uint(at + 2, 1), d.uint(at + 3, 1)
	local sig = sig_bytes[scheme]
	local span = len
	if span < 4 or span > left then
		span = left
	end
	local rec = d.root:add(f.record, d.range(at, math.min(span, d.cap - at)))
	rec:set_text(string.format("Record %d: %s, %d bytes", i,
		scheme_names[scheme] or ("scheme " .. scheme), len))
	d.add(rec, f.len, at, 2, true)
	d.add(rec, f.scheme, at + 2, 1)
	local flags_item = d.add(rec, f.flags, at + 3, 1)
	flags_item:add(f.flag_receipt, d.tvb:range(at + 3, 1))
	flags_item:add(f.flag_reserved, d.tvb:range(at + 3, 1))
	-- the header past len, scheme and flags, when the datagram holds it: it
	-- names the client even of a record that is dropped
	if len >= RECORD_HEADER and left >= RECORD_HEADER then
		d.add(rec, f.nonce, at + 4, 8, true)
		d.add(rec, f.client, at + 12, 32)
	end

	-- the order of ll_wire.c's parse_record: scheme, len, flags
	if not sig then
		return d.bad("unknown_scheme", at + 2, 1, string.format(
			"record %d: scheme %d", i, scheme))
	end
	if len < RECORD_HEADER + sig then
		return d.bad("bad_length", at, 2, string.format(
			"record %d: len %d is below its header and signature, %d", i, len,
			RECORD_HEADER + sig))
	end
	if len > left then
		return d.bad("bad_length", at, 2, string.format(
			"record %d: len %d runs past the datagram, %d bytes left", i, len, left))
	end
	if flags >= 2 then
		return d.bad("bad_flags", at + 3, 1, string.format(
			"record %d: flags 0x%02x, only bit 0 (receipt) is defined", i, flags))
	end
	if at + len > d.cap then
		return d.cut(at + len)
	end
	local nonce = d.tvb:range(at + 4, 8):le_uint64()
	rec:set_text(string.format("Record %d: %s, nonce %s, %d bytes%s", i,
		scheme_names[scheme], tostring(nonce), len,
		flags == 1 and ", receipt" or ""))
	d.add(rec, f.payload, at + RECORD_HEADER, len - RECORD_HEADER - sig)
	d.add(rec, f.sig, at + len - sig, sig)
	return true, len
end

-- A frame ("LL"), checked in the order of ll_wire.c's ll_wire_parse.
local function frame(d)
	d.add(d.root, f.magic, 0, 2, true)
	if d.wire < 3 then
		return d.bad("bad_length", 0, d.wire, "a 2-byte datagram: no version")
	end
	if not d.have(2, 1) then
		return d.cut(3)
	end
	local version = d.uint(2, 1)
	d.add(d.root, f.version, 2, 1)
	if version ~= VERSION then
		return d.bad("bad_version", 2, 1, string.format("version %d, not %d", version,
			VERSION))
	end
	if d.wire < HEADER then
		return d.bad("bad_length", 0, d.wire, string.format(
			"a %d-byte datagram: short of the %d-byte header", d.wire, HEADER))
	end
	if not d.have(0, HEADER) then
		return d.cut(HEADER)
	end
	local count, chain = d.uint(3, 1), d.uint(4, 4)
	d.add(d.root, f.count, 3, 1)
	d.add(d.root, f.chain_id, 4, 4, true)
	if count == 0 or count > MAX_RECORDS then
		return d.bad("bad_length", 3, 1, string.format("count %d, not 1 to %d", count,
			MAX_RECORDS))
	end
	local at = HEADER
	for i = 1, count do
		local ok, len = record(d, i, at)
		if not ok then
			return false
		end
		at = at + len
	end
	if at ~= d.wire then
		d.add(d.root, f.trailing, at, math.min(d.wire, d.cap) - at)
		return d.bad("bad_length", at, d.wire - at,
			plural(d.wire - at, "byte", "bytes") .. " after the last record")
	end
	local summary = string.format("%s, chain %d", plural(count, "record", "records"), chain)
	d.pinfo.cols.info:set("Frame: " .. summary)
	d.root:append_text(", " .. summary)
	return true
end

-- A receipt ("LR"), checked in the order of ll_wire.c's ll_wire_receipt_parse.
local function receipt(d)
	d.receipt = true
	d.add(d.root, f.r_magic, 0, 2, true)
	if d.wire < RECEIPT_HEADER then
		return d.bad("bad_length", 0, d.wire, string.format(
			"a %d-byte datagram: short of the %d-byte receipt header", d.wire,
			RECEIPT_HEADER))
	end
	if not d.have(0, RECEIPT_HEADER) then
		return d.cut(RECEIPT_HEADER)
	end
	local version, count = d.uint(2, 1), d.uint(3, 1)
	d.add(d.root, f.r_version, 2, 1)
	d.add(d.root, f.r_count, 3, 1)
	if version ~= VERSION then
		return d.bad("bad_version", 2, 1, string.format("version %d, not %d", version,
			VERSION))
	end
	if count == 0 or count > MAX_RECORDS then
		return d.bad("bad_length", 3, 1, string.format("count %d, not 1 to %d", count,
			MAX_RECORDS))
	end
	-- every entry the datagram holds is shown, even when the length is wrong
	local first, last
	for i = 1, count do
		local at = RECEIPT_HEADER + (i - 1) * ENTRY
		if at + ENTRY > d.wire then
			break
		end
		if not d.have(at, ENTRY) then
			return d.cut(at + ENTRY)
		end
		local height = d.tvb:range(at + 32, 8):le_uint64()
		local status = d.uint(at + 44, 1)
		local e = d.root:add(f.entry, d.range(at, ENTRY))
		e:set_text(string.format("Entry %d: height %s, index %d, %s", i, tostring(height),
			d.uint(at + 40, 4), status == 0 and "committed" or ("status " .. status)))
		d.add(e, f.txid, at, 32)
		d.add(e, f.height, at + 32, 8, true)
		d.add(e, f.index, at + 40, 4, true)
		local s = d.add(e, f.status, at + 44, 1)
		if status ~= 0 then
			s:add_proto_expert_info(e_status, string.format("status %d: not committed",
				status))
		end
		first = first or height
		last = height
	end
	local want = RECEIPT_HEADER + count * ENTRY
	if d.wire ~= want then
		return d.bad("bad_length", 0, d.wire, string.format(
			"%d bytes for %d entries, not %d", d.wire, count, want))
	end
	-- one receipt is one block's, so one height; say so when it is not
	local where = "height " .. tostring(first)
	if last ~= first then
		where = "heights " .. tostring(first) .. " to " .. tostring(last)
	end
	local summary = plural(count, "entry", "entries") .. ", " .. where
	d.pinfo.cols.info:set("Receipt: " .. summary)
	d.root:append_text(", receipt: " .. summary)
	return true
end

function ll.dissector(tvb, pinfo, tree)
	pinfo.cols.protocol:set("LedgerLine")
	local root
	if tvb:len() > 0 then
		root = tree:add(ll, tvb:range(0, tvb:len()))
	else
		root = tree:add(ll)
	end
	local d = reader(tvb, pinfo, root)
	if d.wire < 2 then
		d.bad("bad_length", 0, d.wire, string.format("a %d-byte datagram", d.wire))
	elseif not d.have(0, 2) then
		d.cut(2)
	elseif d.uint(0, 2) == FRAME_MAGIC then
		frame(d)
	elseif d.uint(0, 2) == RECEIPT_MAGIC then
		receipt(d)
	else
		d.add(root, f.magic, 0, 2, true)
		d.bad("bad_magic", 0, 2, string.format("magic 0x%04x, neither LL nor LR",
			d.uint(0, 2)))
	end
	return tvb:len()
end

-- The ingest port, and the preference that moves it (frames and receipts alike).
local udp_port = DissectorTable.get("udp.port")
local port = ll.prefs.udp_port
udp_port:add(port, ll)

function ll.prefs_changed()
	if ll.prefs.udp_port ~= port then
		udp_port:remove(port, ll)
		port = ll.prefs.udp_port
		udp_port:add(port, ll)
	end
end
