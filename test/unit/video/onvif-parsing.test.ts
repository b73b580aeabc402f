// The ONVIF driver's pure parts: error mapping, event normalisation, URIs,
// discovery answers, PTZ capabilities. Inputs are shaped like what cameras and
// the `onvif` library really produce.
import { expect } from 'chai';
import { decodeScopes, parseProbeMatches, probeMessage } from '../../../video/onvif/discovery.js';
import { mapLibraryError, parseSoapFault } from '../../../video/onvif/errors.js';
import { classifyTopic, normaliseNotification } from '../../../video/onvif/notification.js';
import { pickStreams, readProfiles, withoutCredentials } from '../../../video/onvif/profiles.js';
import { readPtzCapabilities } from '../../../video/onvif/ptz-capabilities.js';

const ctx = { camera: '10.0.0.5:80', operation: 'GetProfiles' };

describe('ONVIF driver: parsing and mapping', () => {
  describe('error mapping', () => {
    const fault = (subcodes: string[], reason: string): string =>
      '<env:Envelope><env:Body><env:Fault><env:Code><env:Value>env:Sender</env:Value>' +
      subcodes.reduceRight((inner, c) => `<env:Subcode><env:Value>${c}</env:Value>${inner}</env:Subcode>`, '') +
      `</env:Code><env:Reason><env:Text xml:lang="en">${reason}</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>`;

    it('reads nested SOAP 1.2 subcodes and SOAP 1.1 faults', () => {
      expect(parseSoapFault(fault(['ter:InvalidArgVal', 'ter:NoProfile'], 'no such profile'))).to.deep.equal({
        codes: ['env:Sender', 'ter:InvalidArgVal', 'ter:NoProfile'],
        reason: 'no such profile',
      });
      const soap11 =
        '<s:Envelope><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>Bad request</faultstring></s:Fault></s:Body></s:Envelope>';
      expect(parseSoapFault(soap11)).to.deep.equal({ codes: ['s:Client'], reason: 'Bad request' });
      expect(parseSoapFault('<html>oops</html>')).to.equal(undefined);
    });

    it('maps library failures to kinds', () => {
      const soapErr = new Error('ONVIF SOAP Fault: whatever');
      const cases: Array<[unknown, string | undefined, string]> = [
        [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), undefined, 'unreachable'],
        [Object.assign(new Error('getaddrinfo ENOTFOUND cam'), { code: 'ENOTFOUND' }), undefined, 'unreachable'],
        [Object.assign(new Error('connect EHOSTUNREACH'), { code: 'EHOSTUNREACH' }), undefined, 'unreachable'],
        [new Error('socket hang up'), undefined, 'unreachable'],
        [new Error('Network timeout'), undefined, 'timeout'],
        [new Error('Wrong ONVIF SOAP response'), '<!DOCTYPE html><html></html>', 'not_onvif'],
        [new Error('Digest authentication failed 401'), undefined, 'auth_failed'],
        [soapErr, fault(['ter:NotAuthorized'], 'Sender not Authorized'), 'auth_failed'],
        [soapErr, fault(['ter:ActionNotSupported'], 'Optional Action Not Implemented'), 'unsupported'],
        [soapErr, fault(['ter:InvalidArgVal', 'ter:NoToken'], 'no such preset'), 'camera_fault'],
        [new TypeError("Cannot read properties of undefined (reading '0')"), undefined, 'camera_fault'],
      ];
      for (const [err, xml, kind] of cases) {
        const mapped = mapLibraryError(err, xml, ctx);
        expect(mapped.kind, String(err)).to.equal(kind);
        expect(mapped.message).to.match(/^camera 10\.0\.0\.5:80, GetProfiles: /);
      }
    });
  });

  describe('notifications', () => {
    it('classifies the ONVIF and common vendor topics', () => {
      expect(classifyTopic('tns1:VideoSource/MotionAlarm')).to.equal('motion');
      expect(classifyTopic('tns1:RuleEngine/CellMotionDetector/Motion')).to.equal('motion');
      expect(classifyTopic('tns1:RuleEngine/LineDetector/Crossed')).to.equal('line_crossing');
      expect(classifyTopic('tns1:RuleEngine/FieldDetector/ObjectsInside')).to.equal('intrusion');
      expect(classifyTopic('tns1:VideoSource/GlobalSceneChange/ImagingService')).to.equal('tamper');
      expect(classifyTopic('tns1:RuleEngine/TamperDetector/Tamper')).to.equal('tamper');
      expect(classifyTopic('tns1:Device/Trigger/DigitalInput')).to.equal('other');
    });

    it('normalises a message as the library parses it: items, state, clock-corrected time', () => {
      const cameraTime = new Date('2022-05-01T08:00:00Z');
      const raw = {
        topic: {
          _: 'tns1:RuleEngine/CellMotionDetector/Motion',
          $: { Dialect: 'http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet' },
        },
        message: {
          message: {
            $: { UtcTime: cameraTime, PropertyOperation: 'Changed' },
            source: {
              simpleItem: [
                { $: { Name: 'VideoSourceConfigurationToken', Value: 'VideoSourceToken' } },
                { $: { Name: 'Rule', Value: 'MyMotionDetectorRule' } },
              ],
            },
            data: { simpleItem: { $: { Name: 'IsMotion', Value: true } } },
          },
        },
      };
      const offset = -3 * 365 * 86_400_000;
      expect(normaliseNotification(raw, offset)).to.deep.equal({
        kind: 'motion',
        topic: 'tns1:RuleEngine/CellMotionDetector/Motion',
        state: true,
        time: new Date(cameraTime.getTime() - offset),
        cameraTime,
        operation: 'Changed',
        source: { VideoSourceConfigurationToken: 'VideoSourceToken', Rule: 'MyMotionDetectorRule' },
        data: { IsMotion: 'true' },
      });
      const pulse = normaliseNotification(
        {
          topic: { _: 'tns1:RuleEngine/LineDetector/Crossed' },
          message: { message: { $: {}, data: { simpleItem: { $: { Name: 'ObjectId', Value: 7 } } } } },
        },
        0,
      );
      expect(pulse).to.deep.include({
        kind: 'line_crossing',
        state: null,
        operation: null,
        cameraTime: null,
        data: { ObjectId: '7' },
        source: {},
      });
      expect(normaliseNotification({ message: {} }, 0)).to.equal(null);
    });
  });

  describe('profiles and URIs', () => {
    it('picks main by the highest resolution and sub by the lowest, whatever the names and order', () => {
      const profile = (token: string, width: number, height: number): unknown => ({
        $: { token },
        name: token,
        videoEncoderConfiguration: {
          encoding: 'H265',
          resolution: { width, height },
          rateControl: { frameRateLimit: 25 },
        },
      });
      const profiles = readProfiles([
        profile('a', 704, 576),
        profile('b', 2560, 1440),
        profile('c', 1280, 720),
        { $: { token: 'audio' }, name: 'audio only' },
      ]);
      expect(profiles.map((p) => p.token)).to.deep.equal(['a', 'b', 'c']);
      const chosen = pickStreams(profiles)!;
      expect([chosen.main.token, chosen.sub?.token]).to.deep.equal(['b', 'a']);
      expect(pickStreams(profiles.slice(0, 1))?.sub).to.equal(null);
      expect(pickStreams([])).to.equal(undefined);
    });

    it('strips credentials some cameras put into the URIs they report', () => {
      expect(withoutCredentials('rtsp://admin:12345@192.168.1.64:554/Streaming/Channels/101')).to.equal(
        'rtsp://192.168.1.64:554/Streaming/Channels/101',
      );
      expect(withoutCredentials('rtsp://192.168.1.64/ch1')).to.equal('rtsp://192.168.1.64/ch1');
      expect(withoutCredentials('http://user:p%40ss@cam/snap.jpg?x=1')).to.equal('http://cam/snap.jpg?x=1');
    });
  });

  describe('PTZ capabilities', () => {
    it('falls back to the configuration when the camera does not answer GetNodes', () => {
      const configuration = {
        defaultContinuousPanTiltVelocitySpace: 'http://www.onvif.org/ver10/tptz/PanTiltSpaces/VelocityGenericSpace',
        panTiltLimits: { range: { XRange: { min: -1, max: 1 }, YRange: { min: -0.5, max: 1 } } },
      };
      expect(readPtzCapabilities(undefined, configuration)).to.deep.equal({
        panRange: { min: -1, max: 1 },
        tiltRange: { min: -0.5, max: 1 },
        zoomRange: null,
        continuous: true,
        absolute: false,
        relative: false,
        home: false,
        presetsSupported: false,
        maxPresets: null,
      });
    });
  });

  describe('WS-Discovery answers', () => {
    const match = (relatesTo: string): string =>
      '<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="a" xmlns:d="d">' +
      `<SOAP-ENV:Header><wsa:RelatesTo>${relatesTo}</wsa:RelatesTo></SOAP-ENV:Header><SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch>` +
      '<wsa:EndpointReference><wsa:Address>urn:uuid:1</wsa:Address></wsa:EndpointReference><d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>' +
      '<d:Scopes>onvif://www.onvif.org/name/%E4%B8%9C%E9%97%A8 onvif://www.onvif.org/hardware/DS-2DE4425IW onvif://www.onvif.org/location/city/%E5%9F%8E%E5%85%B3</d:Scopes>' +
      '<d:XAddrs>http://192.168.1.64/onvif/device_service http://[fe80::1]/onvif/device_service</d:XAddrs></d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>';

    it('parses a ProbeMatch and decodes its scopes; ignores answers to other probes and garbage', () => {
      expect(parseProbeMatches(match('urn:uuid:me'), 'urn:uuid:me', '192.168.1.64')).to.deep.equal([
        {
          endpoint: 'urn:uuid:1',
          xaddrs: ['http://192.168.1.64/onvif/device_service', 'http://[fe80::1]/onvif/device_service'],
          scopes: [
            'onvif://www.onvif.org/name/%E4%B8%9C%E9%97%A8',
            'onvif://www.onvif.org/hardware/DS-2DE4425IW',
            'onvif://www.onvif.org/location/city/%E5%9F%8E%E5%85%B3',
          ],
          types: ['dn:NetworkVideoTransmitter', 'tds:Device'],
          name: '东门',
          hardware: 'DS-2DE4425IW',
          location: 'city/城关',
          from: '192.168.1.64',
        },
      ]);
      expect(parseProbeMatches(match('urn:uuid:other'), 'urn:uuid:me', 'x')).to.deep.equal([]);
      expect(parseProbeMatches('not xml at all <', 'urn:uuid:me', 'x')).to.deep.equal([]);
      expect(decodeScopes(['onvif://www.onvif.org/name/bad%E4'])).to.deep.include({
        name: 'bad%E4',
        hardware: null,
        location: null,
      });
      expect(probeMessage('urn:uuid:me', ['onvif://www.onvif.org/type/ptz'])).to.contain(
        '<d:Types>dn:NetworkVideoTransmitter</d:Types>',
      );
    });
  });
});
