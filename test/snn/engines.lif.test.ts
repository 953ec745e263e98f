import { defineEngineAgreementSuite } from "../support/engine-parity-suite.ts";

defineEngineAgreementSuite("lif");
