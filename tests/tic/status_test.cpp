// STGE and RELAIS (tic/status.h): the status register decoded field by field on real values
// (PROTOCOL.md §3.2) and on hekmon/linkytic's test vectors, every expectation worked out by hand
// from the bit table of 54E §6.2.3.14; the relay byte of 54E §6.2.3.19; to_string of the enums.
#include "tic/status.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace {

using tic::CutOff;
using tic::Euridis;
using tic::PlcStatus;
using tic::StatusRegister;
using tic::TempoColour;

StatusRegister parse(std::string_view hex) {
  const std::optional<StatusRegister> stge = tic::parse_status_register(hex);
  EXPECT_TRUE(stge.has_value()) << hex;
  return stge.value_or(StatusRegister{});
}

// 0x003A0001, bytes 00 3A 00 01:
//   01 -> bit 0 = 1: dry contact open; bits 1-3 = 0: cut-off closed; bits 4, 6, 7 = 0
//   00 -> consumer, not injecting, supplier index field 0 (index 1), distributor field 0 (index 1)
//   3A = 0011 1010 -> bit 16 = 0 clock OK, bit 17 = 1 standard, bits 19-20 = 11 Euridis secured,
//                     bits 21-22 = 01 CPL New/Lock, bit 23 = 0 not synchronised
//   00 -> no Tempo colours, no mobile peak
TEST(StatusRegister, Consumer003A0001) {
  const StatusRegister s = parse("003A0001");
  EXPECT_EQ(s.bits, 0x003A0001u);
  EXPECT_TRUE(s.dry_contact_open());
  EXPECT_EQ(s.cut_off(), CutOff::Closed);
  EXPECT_FALSE(s.terminal_cover_open());
  EXPECT_FALSE(s.overvoltage());
  EXPECT_FALSE(s.reference_power_exceeded());
  EXPECT_FALSE(s.producer());
  EXPECT_FALSE(s.injecting());
  EXPECT_EQ(s.supplier_index(), 1u);
  EXPECT_EQ(s.distributor_index(), 1u);
  EXPECT_FALSE(s.clock_degraded());
  EXPECT_TRUE(s.standard_mode());
  EXPECT_EQ(s.euridis(), Euridis::EnabledSecured);
  EXPECT_EQ(s.plc_status(), PlcStatus::NewLocked);
  EXPECT_FALSE(s.plc_synchronised());
  EXPECT_EQ(s.tempo_today(), TempoColour::None);
  EXPECT_EQ(s.tempo_tomorrow(), TempoColour::None);
  EXPECT_EQ(s.mobile_peak_notice(), 0u);
  EXPECT_EQ(s.mobile_peak(), 0u);
}

// 0x002A0301, bytes 00 2A 03 01:
//   01 -> dry contact open, cut-off closed
//   03 -> bit 8 = 1 producer, bit 9 = 1 injecting; bits 10-15 = 0: indexes 1 and 1
//   2A = 0010 1010 -> bit 17 standard, bits 19-20 = 01 Euridis enabled without security,
//                     bits 21-22 = 01 New/Lock, bit 23 = 0
TEST(StatusRegister, Producer002A0301) {
  const StatusRegister s = parse("002A0301");
  EXPECT_TRUE(s.dry_contact_open());
  EXPECT_EQ(s.cut_off(), CutOff::Closed);
  EXPECT_FALSE(s.terminal_cover_open());
  EXPECT_FALSE(s.overvoltage());
  EXPECT_FALSE(s.reference_power_exceeded());
  EXPECT_TRUE(s.producer());
  EXPECT_TRUE(s.injecting());
  EXPECT_EQ(s.supplier_index(), 1u);
  EXPECT_EQ(s.distributor_index(), 1u);
  EXPECT_FALSE(s.clock_degraded());
  EXPECT_TRUE(s.standard_mode());
  EXPECT_EQ(s.euridis(), Euridis::Enabled);
  EXPECT_EQ(s.plc_status(), PlcStatus::NewLocked);
  EXPECT_FALSE(s.plc_synchronised());
  EXPECT_EQ(s.tempo_today(), TempoColour::None);
  EXPECT_EQ(s.tempo_tomorrow(), TempoColour::None);
  EXPECT_EQ(s.mobile_peak_notice(), 0u);
  EXPECT_EQ(s.mobile_peak(), 0u);
}

// 0x013AC401, bytes 01 3A C4 01 (Tempo, LTARF "HP BLEU", NTARF 02):
//   01 -> dry contact open
//   C4 = 1100 0100 -> bit 8 = 0, bit 9 = 0, bits 10-13 = 0001 (index 2),
//                     bits 14-15 = 11 (distributor index 4)
//   3A -> standard, Euridis secured, New/Lock
//   01 -> bits 24-25 = 01: today blue; tomorrow none; no mobile peak
TEST(StatusRegister, Tempo013AC401) {
  const StatusRegister s = parse("013AC401");
  EXPECT_TRUE(s.dry_contact_open());
  EXPECT_EQ(s.cut_off(), CutOff::Closed);
  EXPECT_FALSE(s.terminal_cover_open());
  EXPECT_FALSE(s.overvoltage());
  EXPECT_FALSE(s.reference_power_exceeded());
  EXPECT_FALSE(s.producer());
  EXPECT_FALSE(s.injecting());
  EXPECT_EQ(s.supplier_index(), 2u);
  EXPECT_EQ(s.distributor_index(), 4u);
  EXPECT_FALSE(s.clock_degraded());
  EXPECT_TRUE(s.standard_mode());
  EXPECT_EQ(s.euridis(), Euridis::EnabledSecured);
  EXPECT_EQ(s.plc_status(), PlcStatus::NewLocked);
  EXPECT_FALSE(s.plc_synchronised());
  EXPECT_EQ(s.tempo_today(), TempoColour::Blue);
  EXPECT_EQ(s.tempo_tomorrow(), TempoColour::None);
  EXPECT_EQ(s.mobile_peak_notice(), 0u);
  EXPECT_EQ(s.mobile_peak(), 0u);
}

// 0x463A0800, bytes 46 3A 08 00 (Tempo triphase, LTARF "HC BLANC", NTARF 03, DPM1/FPM1 sent):
//   00 -> dry contact closed, cut-off closed
//   08 = 0000 1000 -> bits 10-13 = 0010 (index 3), bits 14-15 = 00 (distributor index 1)
//   3A -> standard, Euridis secured, New/Lock
//   46 = 0100 0110 -> bits 24-25 = 10 today white, bits 26-27 = 01 tomorrow blue,
//                     bits 28-29 = 00 no notice, bits 30-31 = 01 PM1 in progress
TEST(StatusRegister, TempoMobilePeak463A0800) {
  const StatusRegister s = parse("463A0800");
  EXPECT_FALSE(s.dry_contact_open());
  EXPECT_EQ(s.cut_off(), CutOff::Closed);
  EXPECT_FALSE(s.terminal_cover_open());
  EXPECT_FALSE(s.overvoltage());
  EXPECT_FALSE(s.reference_power_exceeded());
  EXPECT_FALSE(s.producer());
  EXPECT_FALSE(s.injecting());
  EXPECT_EQ(s.supplier_index(), 3u);
  EXPECT_EQ(s.distributor_index(), 1u);
  EXPECT_FALSE(s.clock_degraded());
  EXPECT_TRUE(s.standard_mode());
  EXPECT_EQ(s.euridis(), Euridis::EnabledSecured);
  EXPECT_EQ(s.plc_status(), PlcStatus::NewLocked);
  EXPECT_FALSE(s.plc_synchronised());
  EXPECT_EQ(s.tempo_today(), TempoColour::White);
  EXPECT_EQ(s.tempo_tomorrow(), TempoColour::Blue);
  EXPECT_EQ(s.mobile_peak_notice(), 0u);
  EXPECT_EQ(s.mobile_peak(), 1u);
}

// linkytic vector 0x013AC501: as 013AC401 but C5 = 1100 0101 sets bit 8: producer.
TEST(StatusRegister, Linkytic013AC501) {
  const StatusRegister s = parse("013AC501");
  EXPECT_TRUE(s.dry_contact_open());
  EXPECT_EQ(s.cut_off(), CutOff::Closed);
  EXPECT_FALSE(s.terminal_cover_open());
  EXPECT_FALSE(s.overvoltage());
  EXPECT_FALSE(s.reference_power_exceeded());
  EXPECT_TRUE(s.producer());
  EXPECT_FALSE(s.injecting());
  EXPECT_EQ(s.supplier_index(), 2u);
  EXPECT_EQ(s.distributor_index(), 4u);
  EXPECT_FALSE(s.clock_degraded());
  EXPECT_TRUE(s.standard_mode());
  EXPECT_EQ(s.euridis(), Euridis::EnabledSecured);
  EXPECT_EQ(s.plc_status(), PlcStatus::NewLocked);
  EXPECT_FALSE(s.plc_synchronised());
  EXPECT_EQ(s.tempo_today(), TempoColour::Blue);
  EXPECT_EQ(s.tempo_tomorrow(), TempoColour::None);
  EXPECT_EQ(s.mobile_peak_notice(), 0u);
  EXPECT_EQ(s.mobile_peak(), 0u);
}

// linkytic vector 0x003AC000, bytes 00 3A C0 00:
//   00 -> dry contact closed; C0 = 1100 0000 -> consumer, supplier index 1, distributor index 4
TEST(StatusRegister, Linkytic003AC000) {
  const StatusRegister s = parse("003AC000");
  EXPECT_FALSE(s.dry_contact_open());
  EXPECT_EQ(s.cut_off(), CutOff::Closed);
  EXPECT_FALSE(s.terminal_cover_open());
  EXPECT_FALSE(s.overvoltage());
  EXPECT_FALSE(s.reference_power_exceeded());
  EXPECT_FALSE(s.producer());
  EXPECT_FALSE(s.injecting());
  EXPECT_EQ(s.supplier_index(), 1u);
  EXPECT_EQ(s.distributor_index(), 4u);
  EXPECT_FALSE(s.clock_degraded());
  EXPECT_TRUE(s.standard_mode());
  EXPECT_EQ(s.euridis(), Euridis::EnabledSecured);
  EXPECT_EQ(s.plc_status(), PlcStatus::NewLocked);
  EXPECT_FALSE(s.plc_synchronised());
  EXPECT_EQ(s.tempo_today(), TempoColour::None);
  EXPECT_EQ(s.tempo_tomorrow(), TempoColour::None);
  EXPECT_EQ(s.mobile_peak_notice(), 0u);
  EXPECT_EQ(s.mobile_peak(), 0u);
}

// linkytic vector 0xFFDFE7FD, bytes FF DF E7 FD:
//   FD = 1111 1101 -> bit 0 = 1 open; bits 1-3 = 110 = 6 overheating below the max switching
//                     current; bit 4 = 1 cover open; bit 6 = 1 overvoltage; bit 7 = 1 exceeded
//   E7 = 1110 0111 -> bit 8 = 1 producer, bit 9 = 1 injecting, bits 10-13 = 1001 = 9 (index 10),
//                     bits 14-15 = 11 (index 4)
//   DF = 1101 1111 -> bit 16 = 1 degraded, bit 17 = 1 standard, bits 19-20 = 11 secured,
//                     bits 21-22 = 10 registered, bit 23 = 1 synchronised
//   FF -> today red, tomorrow red, notice PM3, PM3 in progress
TEST(StatusRegister, LinkyticFFDFE7FD) {
  const StatusRegister s = parse("FFDFE7FD");
  EXPECT_EQ(s.bits, 0xFFDFE7FDu);
  EXPECT_TRUE(s.dry_contact_open());
  EXPECT_EQ(s.cut_off(), CutOff::OpenOverheatingLowLoad);
  EXPECT_TRUE(s.terminal_cover_open());
  EXPECT_TRUE(s.overvoltage());
  EXPECT_TRUE(s.reference_power_exceeded());
  EXPECT_TRUE(s.producer());
  EXPECT_TRUE(s.injecting());
  EXPECT_EQ(s.supplier_index(), 10u);
  EXPECT_EQ(s.distributor_index(), 4u);
  EXPECT_TRUE(s.clock_degraded());
  EXPECT_TRUE(s.standard_mode());
  EXPECT_EQ(s.euridis(), Euridis::EnabledSecured);
  EXPECT_EQ(s.plc_status(), PlcStatus::Registered);
  EXPECT_TRUE(s.plc_synchronised());
  EXPECT_EQ(s.tempo_today(), TempoColour::Red);
  EXPECT_EQ(s.tempo_tomorrow(), TempoColour::Red);
  EXPECT_EQ(s.mobile_peak_notice(), 3u);
  EXPECT_EQ(s.mobile_peak(), 3u);
}

// Each cut-off state: bits 1-3 of the low byte.
TEST(StatusRegister, CutOffStates) {
  EXPECT_EQ(parse("00000000").cut_off(), CutOff::Closed);
  EXPECT_EQ(parse("00000002").cut_off(), CutOff::OpenOverpower);
  EXPECT_EQ(parse("00000004").cut_off(), CutOff::OpenOvervoltage);
  EXPECT_EQ(parse("00000006").cut_off(), CutOff::OpenLoadShedding);
  EXPECT_EQ(parse("00000008").cut_off(), CutOff::OpenRemoteOrder);
  EXPECT_EQ(parse("0000000A").cut_off(), CutOff::OpenOverheatingHighLoad);
  EXPECT_EQ(parse("0000000C").cut_off(), CutOff::OpenOverheatingLowLoad);
  EXPECT_EQ(parse("0000000E").cut_off(), CutOff::Undefined);
  EXPECT_FALSE(parse("0000000E").dry_contact_open());
  EXPECT_FALSE(parse("0000000E").terminal_cover_open());
}

// Single bits, so that no field reads its neighbour's bit.
TEST(StatusRegister, SingleBits) {
  EXPECT_TRUE(parse("00000010").terminal_cover_open());
  EXPECT_EQ(parse("00000010").cut_off(), CutOff::Closed);
  EXPECT_FALSE(parse("00000020").terminal_cover_open());  // bit 5: unused
  EXPECT_FALSE(parse("00000020").overvoltage());
  EXPECT_TRUE(parse("00000040").overvoltage());
  EXPECT_TRUE(parse("00000080").reference_power_exceeded());
  EXPECT_FALSE(parse("00000080").producer());
  EXPECT_EQ(parse("00000400").supplier_index(), 2u);
  EXPECT_EQ(parse("00002000").supplier_index(), 9u);  // bit 13: field 8
  EXPECT_EQ(parse("00004000").supplier_index(), 1u);  // bit 14 belongs to the distributor
  EXPECT_EQ(parse("00004000").distributor_index(), 2u);
  EXPECT_EQ(parse("00008000").distributor_index(), 3u);
  EXPECT_TRUE(parse("00010000").clock_degraded());
  EXPECT_FALSE(parse("00010000").standard_mode());
  EXPECT_FALSE(parse("00040000").standard_mode());  // bit 18: unused
  EXPECT_EQ(parse("00040000").euridis(), Euridis::Disabled);
  EXPECT_EQ(parse("00080000").euridis(), Euridis::Enabled);
  EXPECT_EQ(parse("00100000").euridis(), Euridis::Undefined);
  EXPECT_EQ(parse("00200000").plc_status(), PlcStatus::NewLocked);
  EXPECT_EQ(parse("00400000").plc_status(), PlcStatus::Registered);
  EXPECT_EQ(parse("00600000").plc_status(), PlcStatus::Undefined);
  EXPECT_TRUE(parse("00800000").plc_synchronised());
  EXPECT_EQ(parse("03000000").tempo_today(), TempoColour::Red);
  EXPECT_EQ(parse("03000000").tempo_tomorrow(), TempoColour::None);
  EXPECT_EQ(parse("08000000").tempo_tomorrow(), TempoColour::White);
  EXPECT_EQ(parse("20000000").mobile_peak_notice(), 2u);
  EXPECT_EQ(parse("20000000").mobile_peak(), 0u);
  EXPECT_EQ(parse("80000000").mobile_peak(), 2u);
}

TEST(StatusRegister, LowerCaseHex) {
  EXPECT_EQ(parse("ffdfe7fd").bits, 0xFFDFE7FDu);
  EXPECT_EQ(parse("003a0001").bits, 0x003A0001u);
  EXPECT_EQ(parse("463a0800").tempo_today(), TempoColour::White);
  EXPECT_EQ(parse("AbCdEf01").bits, 0xABCDEF01u);
}

TEST(StatusRegister, BadInputRejected) {
  EXPECT_EQ(tic::parse_status_register(""), std::nullopt);
  EXPECT_EQ(tic::parse_status_register("00"), std::nullopt);
  EXPECT_EQ(tic::parse_status_register("003A000"), std::nullopt);
  EXPECT_EQ(tic::parse_status_register("003A00011"), std::nullopt);
  EXPECT_EQ(tic::parse_status_register("003G0001"), std::nullopt);
  EXPECT_EQ(tic::parse_status_register("003A000g"), std::nullopt);
  EXPECT_EQ(tic::parse_status_register(" 03A0001"), std::nullopt);
  EXPECT_EQ(tic::parse_status_register("0x3A0001"), std::nullopt);
  EXPECT_EQ(tic::parse_status_register("-03A0001"), std::nullopt);
  EXPECT_EQ(tic::parse_status_register("003A:001"), std::nullopt);  // ':' follows '9'
  EXPECT_EQ(tic::parse_status_register("003A@001"), std::nullopt);  // '@' precedes 'A'
  EXPECT_EQ(tic::parse_status_register(std::string_view{"003A\0"
                                                        "001",
                                                        8}),
            std::nullopt);
}

// 54E §6.2.3.19: bit n-1 is relay n. 140 = 128 + 8 + 4 = bits 7, 3, 2: relays 8, 4, 3 closed.
TEST(Relays, SpecExample140) {
  const std::optional<tic::Relays> relays = tic::parse_relays("140");
  ASSERT_TRUE(relays.has_value());
  EXPECT_EQ(relays->bits, 140u);
  EXPECT_FALSE(relays->closed(1));
  EXPECT_FALSE(relays->closed(2));
  EXPECT_TRUE(relays->closed(3));
  EXPECT_TRUE(relays->closed(4));
  EXPECT_FALSE(relays->closed(5));
  EXPECT_FALSE(relays->closed(6));
  EXPECT_FALSE(relays->closed(7));
  EXPECT_TRUE(relays->closed(8));
}

TEST(Relays, SpecExample001) {
  const std::optional<tic::Relays> relays = tic::parse_relays("001");
  ASSERT_TRUE(relays.has_value());
  EXPECT_EQ(relays->bits, 1u);
  EXPECT_TRUE(relays->closed(1));
  for (unsigned relay = 2; relay <= 8; ++relay)
    EXPECT_FALSE(relays->closed(relay)) << relay;
}

TEST(Relays, AllAndNone) {
  const std::optional<tic::Relays> all = tic::parse_relays("255");
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->bits, 255u);
  for (unsigned relay = 1; relay <= 8; ++relay)
    EXPECT_TRUE(all->closed(relay)) << relay;
  // There is no relay 0 or 9.
  EXPECT_FALSE(all->closed(0));
  EXPECT_FALSE(all->closed(9));
  EXPECT_FALSE(all->closed(100));

  const std::optional<tic::Relays> none = tic::parse_relays("000");
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->bits, 0u);
  for (unsigned relay = 1; relay <= 8; ++relay)
    EXPECT_FALSE(none->closed(relay)) << relay;

  EXPECT_EQ(tic::parse_relays("128")->bits, 128u);
  EXPECT_TRUE(tic::parse_relays("128")->closed(8));
  EXPECT_FALSE(tic::parse_relays("128")->closed(7));
}

TEST(Relays, BadInputRejected) {
  EXPECT_EQ(tic::parse_relays("256"), std::nullopt);
  EXPECT_EQ(tic::parse_relays("999"), std::nullopt);
  EXPECT_EQ(tic::parse_relays("300"), std::nullopt);
  EXPECT_EQ(tic::parse_relays(""), std::nullopt);
  EXPECT_EQ(tic::parse_relays("1"), std::nullopt);
  EXPECT_EQ(tic::parse_relays("14"), std::nullopt);
  EXPECT_EQ(tic::parse_relays("0140"), std::nullopt);
  EXPECT_EQ(tic::parse_relays("1a0"), std::nullopt);
  EXPECT_EQ(tic::parse_relays(" 14"), std::nullopt);
  EXPECT_EQ(tic::parse_relays("-14"), std::nullopt);
  EXPECT_EQ(tic::parse_relays("0x1"), std::nullopt);
}

TEST(StatusToString, CutOff) {
  EXPECT_EQ(tic::to_string(CutOff::Closed), "closed");
  EXPECT_EQ(tic::to_string(CutOff::OpenOverpower), "open_overpower");
  EXPECT_EQ(tic::to_string(CutOff::OpenOvervoltage), "open_overvoltage");
  EXPECT_EQ(tic::to_string(CutOff::OpenLoadShedding), "open_load_shedding");
  EXPECT_EQ(tic::to_string(CutOff::OpenRemoteOrder), "open_remote_order");
  EXPECT_EQ(tic::to_string(CutOff::OpenOverheatingHighLoad), "open_overheating_high_current");
  EXPECT_EQ(tic::to_string(CutOff::OpenOverheatingLowLoad), "open_overheating_low_current");
  EXPECT_EQ(tic::to_string(CutOff::Undefined), "undefined");
}

TEST(StatusToString, TempoColour) {
  EXPECT_EQ(tic::to_string(TempoColour::None), "none");
  EXPECT_EQ(tic::to_string(TempoColour::Blue), "blue");
  EXPECT_EQ(tic::to_string(TempoColour::White), "white");
  EXPECT_EQ(tic::to_string(TempoColour::Red), "red");
}

TEST(StatusToString, Euridis) {
  EXPECT_EQ(tic::to_string(Euridis::Disabled), "disabled");
  EXPECT_EQ(tic::to_string(Euridis::Enabled), "enabled");
  EXPECT_EQ(tic::to_string(Euridis::Undefined), "undefined");
  EXPECT_EQ(tic::to_string(Euridis::EnabledSecured), "enabled_secured");
}

TEST(StatusToString, PlcStatus) {
  EXPECT_EQ(tic::to_string(PlcStatus::NewUnlocked), "new_unlocked");
  EXPECT_EQ(tic::to_string(PlcStatus::NewLocked), "new_locked");
  EXPECT_EQ(tic::to_string(PlcStatus::Registered), "registered");
  EXPECT_EQ(tic::to_string(PlcStatus::Undefined), "undefined");
}

}  // namespace
