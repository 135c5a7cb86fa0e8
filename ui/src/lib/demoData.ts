// The demo meeting, copied from crates/accord-model/src/demo.rs (the report in
// shared/fixtures/rcm-liaison-network-2014-managua.txt). Used by the fake backend only.

import { slug } from './slug';
import type { ClauseStatus, MeetingDetails, Party } from './types';

export { slug };

export const MEMBERS = [
  'Belize',
  'Canada',
  'Costa Rica',
  'the Dominican Republic',
  'El Salvador',
  'Guatemala',
  'Honduras',
  'Mexico',
  'Nicaragua',
  'Panama',
  'the United States of America',
];

export const details: MeetingDetails = {
  title: 'Regular Meeting of the Liaison Officer Network to Combat Migrant Smuggling and Trafficking in Persons',
  forum: 'Regional Conference on Migration (RCM)',
  body: 'The Liaison Officer Network to Combat Migrant Smuggling and Trafficking in Persons of the RCM Member Countries',
  kind: 'regular',
  venue: 'Managua, Nicaragua',
  start_date: '2014-11-24',
  end_date: '2014-11-24',
  time_zone: 'America/Managua',
  languages: ['en', 'es'],
  addressee: 'the Regional Consultation Group on Migration (RCGM)',
};

export function parties(): Party[] {
  const out: Party[] = MEMBERS.map((name) => ({
    id: slug(name.replace(/^the /, '')),
    name,
    kind: 'member',
    short_name: null,
  }));
  out.push({ id: 'technical-secretariat', name: 'Technical Secretariat', kind: 'secretariat', short_name: 'TS' });
  out.push({ id: 'international-organization-for-migration', name: 'International Organization for Migration', kind: 'observer', short_name: 'IOM' });
  out.push({ id: 'united-nations-office-on-drugs-and-crime', name: 'United Nations Office on Drugs and Crime', kind: 'observer', short_name: 'UNODC' });
  out.push({ id: 'regional-network-of-civil-organizations-on-migration', name: 'Regional Network of Civil Organizations on Migration', kind: 'civil_society', short_name: 'RNCOM' });
  return out;
}

export const TS = 'technical-secretariat';
export const IOM = 'international-organization-for-migration';
export const memberIds = () => MEMBERS.map((m) => slug(m.replace(/^the /, '')));

export const DRAFT_TITLE = 'Report of the Regular Meeting of the Liaison Officer Network (Managua, 2014)';

export const PREAMBLE =
  'The Liaison Officer Network to Combat Migrant Smuggling and Trafficking in Persons of the RCM Member Countries held its regular meeting in Managua, Nicaragua, on November 24, 2014, with participation of representatives from Belize, Canada, Costa Rica, the Dominican Republic, El Salvador, Guatemala, Honduras, Mexico, Nicaragua, Panama and the United States of America. The Network submits the following report to the Regional Consultation Group on Migration (RCGM) for consideration. The report includes the following:';

export const CLAUSES: [string, string | null, string][] = [
  ['p1', null, 'Thank the delegations from Belize, Canada, Costa Rica, El Salvador, the Dominican Republic, Guatemala, Honduras, Mexico, Nicaragua, Panama and the United States of America for sharing their progress on new efforts and best practices to combat migrant smuggling and trafficking in persons since the last meeting of this network.'],
  ['p2', null, 'Regarding the progress of RCM Member Countries on the implementation of the indicators elaborated by the IOM, at the request of the RCM, in compliance of the Palermo Protocols against Trafficking in Persons, the following was agreed to:'],
  ['p2a', 'p2', 'Urge the Member Countries to send the information to the Technical Secretariat no later than February 27th, 2015.'],
  ['p2b', 'p2', 'The Technical Secretariat, in coordination with IOM, will organize this information to be presented during the next Network meeting.'],
  ['p2c', 'p2', 'Urge Member Countries to fulfill reporting activities within the international framework, particularly those established by UNODC.'],
  ['p2d', 'p2', 'The TS will invite UNODC to the next meeting of the Network in order to present the results of the Global Report on Trafficking in Persons 2014, highlighting RCM Member Countries.'],
  ['p2e', 'p2', 'The Network recognizes the TS submission of the indicators as an example of best practices, to the IV Meeting of National Authorities on Trafficking in Persons from the Organization of American States.'],
  ['p3', null, 'Thank Guatemala in its position as the Presidency of the Regional Coalition against Trafficking in Persons and Migrant Smuggling, for the progress report regarding the agreements and work of the Coalition.'],
  ['p3a', 'p3', 'Request the TS to research on the Multi-Annual Indicative Program for Latin America 2014-2020 from the European Commission and consult on the terms of cooperation regarding migration matters for the RCM Member Countries.'],
  ['p4', null, 'Thank the IOM for its report regarding the update of the Comparative Matrices of the Legislation in Member States of RCM relating to Trafficking in Persons and Migrant Smuggling. In this regard Member Countries are urged to submit this information to the TS no later than February 27th, 2015.'],
  ['p4a', 'p4', 'The Member Countries commit to send the TS the information of their respective Focal Points in order to update these matrices.'],
  ['p4b', 'p4', 'The TS will compile a consolidated study of the matrices with the information received at the established date. The study will be sent to the Member Countries no later than March 31st, 2015 for their validation. Finally, the Network members will submit the validation no later than the last week of April, 2015.'],
  ['p4c', 'p4', 'The IOM will present the results of the consolidated study during the XX RCM Vice-Ministerial meeting.'],
  ['p5', null, 'Thank the Regional Network of Civil Organizations on Migration (RNCOM) for its presentation on the challenges and recommendations to combat the crimes of Migrant Smuggling and Trafficking in Persons, and encourage Member Countries to consult with Civil Society on a regular basis.'],
  ['p6', null, 'Hold the next meeting of the Network in [San José, Costa Rica] [Tegucigalpa, Honduras] in the first semester of 2015.'],
  ['p7', null, 'Request the TS to circulate this report to the Member Countries.'],
];

export function statusOf(id: string): ClauseStatus {
  if (id === 'p6') return 'bracketed';
  if (id === 'p7') return 'agreed_ad_ref';
  return 'adopted';
}

export const ACTIONS: [string, string, () => string[], string | null, string][] = [
  ['a1', 'Send the information on the implementation of the indicators to the Technical Secretariat', memberIds, '2015-02-27', 'p2a'],
  ['a2', 'Organize the information on the indicators, in coordination with IOM, for the next Network meeting', () => [TS, IOM], null, 'p2b'],
  ['a3', 'Invite UNODC to present the Global Report on Trafficking in Persons 2014 at the next Network meeting', () => [TS], null, 'p2d'],
  ['a4', 'Research the Multi-Annual Indicative Program for Latin America 2014-2020 of the European Commission and consult on the terms of cooperation', () => [TS], null, 'p3a'],
  ['a5', 'Submit the information for the Comparative Matrices of the Legislation to the TS', memberIds, '2015-02-27', 'p4'],
  ['a6', 'Send the TS the information of the respective Focal Points', memberIds, null, 'p4a'],
  ['a7', 'Compile a consolidated study of the matrices and send it to the Member Countries for validation', () => [TS], '2015-03-31', 'p4b'],
  ['a8', 'Submit the validation of the consolidated study (last week of April 2015)', memberIds, '2015-04-30', 'p4b'],
  ['a9', 'Present the results of the consolidated study at the XX RCM Vice-Ministerial meeting', () => [IOM], null, 'p4c'],
];

export const MINUTES = `# Liaison Officer Network — Managua, 24 November 2014

## Opening
The Technical Secretariat opened the meeting and welcomed the delegations of the eleven Member Countries, IOM, UNODC and RNCOM.

## National progress
Each delegation reported on its new efforts and best practices to combat migrant smuggling and trafficking in persons.

## Indicators of the Palermo Protocols
IOM presented the state of the indicators. Member Countries will send their information to the TS by 27 February 2015.

## Comparative Matrices of Legislation
IOM presented the update of the matrices. The TS will compile a consolidated study by 31 March 2015; validation by the Network in the last week of April 2015.

## Civil society
RNCOM presented its challenges and recommendations.
`;
