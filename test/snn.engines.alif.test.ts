import { defineEngineAgreementSuite } from "./snn.engines.shared.ts";

defineEngineAgreementSuite("alif");
