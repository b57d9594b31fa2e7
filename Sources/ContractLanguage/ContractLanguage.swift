// Module ContractLanguage.
